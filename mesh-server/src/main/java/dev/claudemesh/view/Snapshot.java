package dev.claudemesh.view;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.mesh.ItemStatus;
import dev.claudemesh.mesh.ItemView;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.PeerView;
import dev.claudemesh.mesh.SentItem;
import dev.claudemesh.mesh.Task;

import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The mesh as the page shows it, read through the domain at one moment: every peer, and the newest items with
 * their questions, tasks and receipts, as JSON. Peer text is passed through {@link VisibleText} here, so neither
 * the page nor anyone reading the JSON gets a control character. Kept as serialised text per part, so two
 * snapshots compare cheaply and only what changed is sent.
 *
 * <pre>
 * peer: {name, status, host, project, summary, last_seen}
 * item: {id, seq, kind, from, to: [names], topic, text, sent_at,
 *        delivery: [{recipient, state, at, via}],
 *        question: {status, answer, answered_at, expires_at, answer_delivery: [{recipient, state, at, via}]}   (questions)
 *        task: {status, context, result, completed_at, result_delivery: [{recipient, state, at, via}]}   (tasks)}
 * state: queued, offered, seen, withdrawn; or how the question (answered, expired, cancelled, abandoned) or the
 * task (completed, failed) ended
 * </pre>
 */
final class Snapshot {
    private static final String STATE_QUEUED = "queued";
    private static final String STATE_OFFERED = "offered";
    private static final String STATE_SEEN = "seen";
    private static final String STATE_WITHDRAWN = "withdrawn";

    /** How many of the newest items the page shows. */
    static final int ITEMS = 200;

    private static final Comparator<PeerView> PEER_ORDER = Comparator.comparing(PeerView::status)
            .thenComparing(p -> p.name().toLowerCase(java.util.Locale.ROOT));

    /** The peers as one JSON array. */
    final String peers;
    /** Each item's JSON by its id, oldest first. */
    final Map<String, String> items;

    private Snapshot(String peers, Map<String, String> items) {
        this.peers = peers;
        this.items = items;
    }

    static Snapshot read(Mesh mesh, ObjectMapper json, int limit) {
        ArrayNode peers = json.createArrayNode();
        for (PeerView p : mesh.allPeers().stream().sorted(PEER_ORDER).toList()) {
            peers.addObject()
                    .put("name", VisibleText.of(p.name()))
                    .put("status", p.status().wire())
                    .put("host", VisibleText.of(p.host()))
                    .put("project", VisibleText.of(p.projectPath()))
                    .put("summary", VisibleText.of(p.summary()))
                    .put("last_seen", p.lastSeen().toString());
        }
        Map<String, String> items = new LinkedHashMap<>();
        for (ItemView i : mesh.recentItems(limit)) {
            items.put(i.sent().id(), text(json, item(json, i)));
        }
        return new Snapshot(text(json, peers), items);
    }

    private static ObjectNode item(ObjectMapper json, ItemView view) {
        SentItem s = view.sent();
        ObjectNode o = json.createObjectNode()
                .put("id", s.id())
                .put("seq", s.seq())
                .put("kind", s.kind())
                .put("from", VisibleText.of(s.from()));
        ArrayNode to = o.putArray("to");
        s.recipients().forEach(r -> to.add(VisibleText.of(r)));
        o.put("topic", s.topic().map(VisibleText::of).orElse(null));
        o.put("text", VisibleText.of(view.task().map(Task::description).orElse(s.body())));
        o.put("sent_at", s.sentAt().toString());
        o.set("delivery", receipts(json, view.delivery()));
        view.question().ifPresent(q -> {
            ObjectNode question = o.putObject("question")
                    .put("status", q.status().wire())
                    .put("answer", q.answer().map(VisibleText::of).orElse(null))
                    .put("answered_at", q.answeredAt().map(Instant::toString).orElse(null))
                    .put("expires_at", q.expiresAt().toString());
            // The answer goes back to the asker as an item of its own, with a receipt of its own.
            question.set("answer_delivery", receipts(json, view.reply()));
        });
        view.task().ifPresent(t -> {
            ObjectNode task = o.putObject("task")
                    .put("status", t.status().wire())
                    .put("context", t.context().map(VisibleText::of).orElse(null))
                    .put("result", t.result().map(VisibleText::of).orElse(null))
                    .put("completed_at", t.completedAt().map(Instant::toString).orElse(null));
            // The result goes back to the delegator as an item of its own, with a receipt of its own.
            task.set("result_delivery", receipts(json, view.reply()));
        });
        return o;
    }

    /**
     * One receipt per recipient, as the domain read it: its state, when it got there and, for offered and seen,
     * by which path (a hook, a channel push, a tool result) or proof (the transcript).
     */
    private static ArrayNode receipts(ObjectMapper json, List<ItemStatus.Recipient> receipts) {
        ArrayNode out = json.createArrayNode();
        for (ItemStatus.Recipient r : receipts) {
            Optional<Instant> at;
            Optional<String> via = Optional.empty();
            switch (r.state()) {
                case STATE_QUEUED -> at = Optional.of(r.queuedAt());
                case STATE_OFFERED -> {
                    at = r.offeredAt();
                    via = r.offeredVia();
                }
                case STATE_SEEN -> {
                    at = r.seenAt();
                    via = r.seenVia();
                }
                case STATE_WITHDRAWN -> at = Optional.empty();
                default -> at = r.endedAt(); // how a question or task ended
            }
            out.addObject()
                    .put("recipient", VisibleText.of(r.name()))
                    .put("state", r.state())
                    .put("at", at.map(Instant::toString).orElse(null))
                    .put("via", via.map(VisibleText::of).orElse(null));
        }
        return out;
    }

    private static String text(ObjectMapper json, Object node) {
        try {
            return json.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a tree of our own did not serialise", e);
        }
    }
}
