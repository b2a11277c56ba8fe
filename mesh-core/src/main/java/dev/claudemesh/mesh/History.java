package dev.claudemesh.mesh;

import dev.claudemesh.identity.PeerNames;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** What was sent and answered, in time order, and where one item stands for each of its recipients. */
final class History {
    private final MeshStore store;
    private final Inbox inbox;

    History(MeshContext ctx, Inbox inbox) {
        this.store = ctx.store;
        this.inbox = inbox;
    }

    long end() {
        return store.lastSeq();
    }

    List<MeshEvent> repliesSince(Instant since) {
        return store.answersSince(since);
    }

    List<MeshEvent> events(long afterSeq, Instant since, int limit) {
        List<MeshEvent> events = new ArrayList<>(store.itemsAfter(afterSeq, limit));
        events.addAll(store.answersSince(since));
        events.sort(Comparator.comparing(MeshEvent::at).thenComparing(MeshEvent::seq));
        return events;
    }

    /** Only its sender and its recipients may look: receipts say who was told what, when. */
    ItemStatus itemStatus(String self, String id) {
        String wanted = id == null ? "" : id.trim();
        List<Receipt> receipts = inbox.receipts(wanted);
        if (receipts.isEmpty()) {
            throw new MeshException("No item with id '" + PeerNames.printable(wanted) + "'. Use the id a send returned "
                    + "(message_id, question_id, task_id, broadcast_id).");
        }
        String me = PeerNames.key(self);
        boolean involved = PeerNames.key(receipts.get(0).sender()).equals(me)
                || receipts.stream().anyMatch(r -> PeerNames.key(r.recipient()).equals(me));
        if (!involved) {
            throw new MeshException("Item " + wanted + " was sent by '" + receipts.get(0).sender()
                    + "'; only its sender and its recipients can see its status.");
        }
        Optional<Question> q = InboxItem.QUESTION.equals(receipts.get(0).kind()) ? store.question(wanted) : Optional.empty();
        Optional<Task> t = InboxItem.TASK.equals(receipts.get(0).kind()) ? store.task(wanted) : Optional.empty();
        List<ItemStatus.Recipient> out = new ArrayList<>();
        String kind = receipts.get(0).kind();
        for (Receipt r : receipts) {
            if (!r.kind().equals(kind)) {
                continue; // a question's answer shares its id: that row is the asker's mail, not a recipient of the question
            }
            String state = r.state();
            Optional<Instant> ended = Optional.empty();
            if (q.isPresent() && q.get().status() != QuestionStatus.PENDING) {
                state = q.get().status().wire();
                ended = q.get().answeredAt().isPresent() ? q.get().answeredAt() : Optional.empty();
            } else if (t.isPresent() && t.get().status() != TaskStatus.PENDING) {
                state = t.get().status().wire();
                ended = t.get().completedAt();
            }
            out.add(new ItemStatus.Recipient(r.recipient(), state, r.queuedAt(), r.offeredAt(), r.offeredVia(),
                    r.seenAt(), r.seenVia(), ended));
        }
        return new ItemStatus(wanted, receipts.get(0).kind(), receipts.get(0).sender(), out);
    }
}
