package dev.claudemesh.view;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.mesh.ItemView;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.PeerView;
import dev.claudemesh.mesh.Receipt;
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
 *        delivery: [{recipient, state, at}],
 *        question: {status, answer, answered_at, expires_at, answer_delivery: [{recipient, state, at}]}   (questions)
 *        task: {status, context, result, completed_at, result_delivery: [{recipient, state, at}]}   (tasks)}
 * </pre>
 */
final class Snapshot {
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
            items.put(i.sent().id(), text(json, item(mesh, json, i)));
        }
        return new Snapshot(text(json, peers), items);
    }

    private static ObjectNode item(Mesh mesh, ObjectMapper json, ItemView view) {
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
        o.set("delivery", receipts(mesh, json, s.id(), s.recipients()));
        view.question().ifPresent(q -> {
            ObjectNode question = o.putObject("question")
                    .put("status", q.status().wire())
                    .put("answer", q.answer().map(VisibleText::of).orElse(null))
                    .put("answered_at", q.answeredAt().map(Instant::toString).orElse(null))
                    .put("expires_at", q.expiresAt().toString());
            // The answer goes back to the asker as an item of its own, with a receipt of its own.
            question.set("answer_delivery", q.answer().isPresent()
                    ? receipts(mesh, json, q.id(), List.of(q.asker())) : json.createArrayNode());
        });
        view.task().ifPresent(t -> {
            ObjectNode task = o.putObject("task")
                    .put("status", t.status().wire())
                    .put("context", t.context().map(VisibleText::of).orElse(null))
                    .put("result", t.result().map(VisibleText::of).orElse(null))
                    .put("completed_at", t.completedAt().map(Instant::toString).orElse(null));
            // The result goes back to the delegator as an item of its own, with a receipt of its own.
            task.set("result_delivery", t.result().isPresent()
                    ? receipts(mesh, json, t.id(), List.of(t.delegator())) : json.createArrayNode());
        });
        return o;
    }

    /** One receipt per recipient, each from the domain's one call for an item and a recipient. */
    private static ArrayNode receipts(Mesh mesh, ObjectMapper json, String id, List<String> recipients) {
        ArrayNode out = json.createArrayNode();
        for (String r : recipients) {
            Optional<Receipt> receipt = mesh.receipt(id, r);
            receipt.ifPresent(x -> out.addObject()
                    .put("recipient", VisibleText.of(x.recipient()))
                    .put("state", x.state())
                    .put("at", x.at().map(Instant::toString).orElse(null)));
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
