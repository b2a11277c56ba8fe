package dev.claudemesh.mesh;

import dev.claudemesh.identity.PeerNames;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The mesh as someone watching all of it reads it (the web view): the newest items, each with its question or
 * task as it stands and where it stands for each recipient, from the receipts {@link Inbox} keeps. Reads only: it
 * closes no question and moves no delivery state (settling offers against transcripts is the sessions' own
 * servers' and hooks' work), so what it shows is what the store holds, with one judgement of its own: a pending
 * question whose time ran out, or whose asker is gone, is shown as the next hook or {@code gc} will record it.
 */
final class WholeMeshReads {
    private final MeshStore store;
    private final Instant now;
    private final Predicate<Question> askerGone;

    WholeMeshReads(MeshStore store, Instant now, Predicate<Question> askerGone) {
        this.store = store;
        this.now = now;
        this.askerGone = askerGone;
    }

    /** The receipts of the items being read, by id. */
    private Map<String, List<Receipt>> receipts = Map.of();

    private List<Receipt> receiptsOf(String id) {
        return receipts.getOrDefault(id, List.of());
    }

    List<ItemView> recentItems(int limit) {
        List<SentItem> sent = store.recentItems(limit);
        // Every item's receipts in one read (an answer or result has its question's or task's id).
        receipts = store.receipts(sent.stream().map(SentItem::id).toList());
        Map<String, String> names = new HashMap<>();
        for (Peer p : store.peers()) {
            names.put(PeerNames.key(p.name()), p.name());
        }
        // Questions and tasks shown through their own item; an answer or a result adds nothing to those.
        Set<String> shown = new HashSet<>();
        sent.stream().filter(i -> InboxItem.QUESTION.equals(i.kind()) || InboxItem.TASK.equals(i.kind()))
                .forEach(i -> shown.add(i.id()));
        List<ItemView> out = new ArrayList<>();
        for (SentItem i : sent) {
            switch (i.kind()) {
                case InboxItem.QUESTION -> out.add(store.question(i.id()).map(this::asItStands)
                        .map(q -> question(named(i, names), q)).orElseGet(() -> plain(named(i, names))));
                case InboxItem.TASK -> out.add(store.task(i.id()).map(t -> task(named(i, names), t))
                        .orElseGet(() -> plain(named(i, names))));
                case InboxItem.ANSWER -> store.question(i.id()).filter(x -> shown.add(x.id())).map(this::asItStands)
                        .ifPresent(q -> out.add(question(new SentItem(i.seq(), q.id(), InboxItem.QUESTION, q.asker(),
                                List.of(q.target()), Optional.empty(), q.body(), q.askedAt()), q)));
                case InboxItem.TASK_RESULT -> store.task(i.id()).filter(x -> shown.add(x.id()))
                        .ifPresent(t -> out.add(task(new SentItem(i.seq(), t.id(), InboxItem.TASK, t.delegator(),
                                List.of(t.assignee()), Optional.empty(), t.description(), t.createdAt()), t)));
                default -> out.add(plain(named(i, names)));
            }
        }
        return out;
    }

    /** A message or broadcast (or a question or task whose own record is gone): the item and its receipts. */
    private ItemView plain(SentItem s) {
        return new ItemView(s, delivery(receiptsOf(s.id()), s.kind(), null, null), Optional.empty(), Optional.empty(),
                List.of());
    }

    /** A question with its target's receipt and, once answered, the answer's receipt for the asker. */
    private ItemView question(SentItem s, Question q) {
        List<Receipt> receipts = receiptsOf(q.id());
        return new ItemView(s, delivery(receipts, InboxItem.QUESTION, q, null), Optional.of(q), Optional.empty(),
                delivery(receipts, InboxItem.ANSWER, null, null));
    }

    /** A task with its assignee's receipt and, once it ended, the result's receipt for the delegator. */
    private ItemView task(SentItem s, Task t) {
        List<Receipt> receipts = receiptsOf(t.id());
        return new ItemView(s, delivery(receipts, InboxItem.TASK, null, t), Optional.empty(), Optional.of(t),
                delivery(receipts, InboxItem.TASK_RESULT, null, null));
    }

    /**
     * The receipts of the rows of {@code kind} (a question's answer and a task's result share its id), one per
     * recipient: its delivery state (queued, offered, seen, withdrawn) while the question or task is open, and how
     * it ended once it has, as {@code message_status} tells its sender.
     */
    private static List<ItemStatus.Recipient> delivery(List<Receipt> receipts, String kind, Question q, Task t) {
        List<ItemStatus.Recipient> out = new ArrayList<>();
        for (Receipt r : receipts) {
            if (!r.kind().equals(kind)) {
                continue;
            }
            String state = r.state();
            Optional<Instant> ended = Optional.empty();
            if (q != null && q.status() != QuestionStatus.PENDING) {
                state = q.status().wire();
                ended = q.status() == QuestionStatus.EXPIRED ? Optional.of(q.expiresAt()) : q.answeredAt();
            } else if (t != null && t.status() != TaskStatus.PENDING) {
                state = t.status().wire();
                ended = t.completedAt();
            }
            out.add(new ItemStatus.Recipient(r.recipient(), state, r.queuedAt(), r.offeredAt(), r.offeredVia(),
                    r.seenAt(), r.seenVia(), ended));
        }
        return out;
    }

    private static SentItem named(SentItem i, Map<String, String> names) {
        List<String> to = i.recipients().stream().map(k -> names.getOrDefault(k, k)).toList();
        return new SentItem(i.seq(), i.id(), i.kind(), i.from(), to, i.topic(), i.body(), i.sentAt());
    }

    private Question asItStands(Question q) {
        if (q.status() != QuestionStatus.PENDING) {
            return q;
        }
        QuestionStatus status = !now.isBefore(q.expiresAt()) ? QuestionStatus.EXPIRED
                : askerGone.test(q) ? QuestionStatus.ABANDONED : QuestionStatus.PENDING;
        return status == QuestionStatus.PENDING ? q : new Question(q.id(), q.asker(), q.askerProcess(), q.target(), q.body(),
                status, q.askedAt(), q.expiresAt(), q.answer(), q.answeredAt(), q.namedAt());
    }
}
