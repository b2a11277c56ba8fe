package dev.claudemesh.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Mesh;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Figure 7: one server's {@code list_peers} with many registered, active peers, and its {@code poll_inbox}
 * with a long delivered history. The peers and the history are written into the file by this process with
 * the same store code the servers use (registering 500 sessions through real processes would only measure
 * start-up again); the calls are timed at the client, from the request written to the response read.
 */
final class ScaleSection extends Section {
    private final int peers;
    private final int history;
    private final int calls;
    private final int warmups;
    private final Row listPeers;
    private final Row pollInbox;

    ScaleSection(BenchContext ctx) {
        peers = ctx.pick(500, 50);
        history = ctx.pick(10_000, 500);
        calls = ctx.pick(50, 5);
        warmups = ctx.pick(5, 1);
        listPeers = row("7a", String.format(Locale.ROOT, "`list_peers` with %,d registered active peers, per call", peers), Unit.MS, null);
        pollInbox = row("7b", String.format(Locale.ROOT, "`poll_inbox` (one new message) with %,d delivered messages in history, per call",
                history), Unit.MS, null);
    }

    @Override
    String name() {
        return "scale";
    }

    @Override
    String title() {
        return String.format(Locale.ROOT, "scale (%,d peers, %,d delivered messages)", peers, history);
    }

    @Override
    void run(BenchContext ctx) throws Exception {
        Path dir = ctx.sectionDir("scale");
        Path db = ctx.newDb(dir);
        BenchContext.Server server = ctx.started("scale", db, ctx.project(dir, "scale"), false);
        Mesh mesh = ctx.openMesh(db);
        for (int i = 0; i < peers; i++) {
            String name = String.format(Locale.ROOT, "peer-%03d", i);
            ctx.join(mesh, name, dir.resolve("projects").resolve(name),
                    "feature/" + name + " — refactoring the billing service; last commits: fix rounding, add tests");
        }
        List<Double> list = new ArrayList<>();
        for (int i = 0; i < warmups + calls; i++) {
            long t0 = System.nanoTime();
            McpProcess.Arrival a = server.rpc().await(server.rpc().callAsync("list_peers", Map.of()), 60, "list_peers");
            int n = server.rpc().structured(a, "list_peers").path("peers").size();
            if (n != peers) {
                throw new BenchException("list_peers listed " + n + " peers, not " + peers);
            }
            if (i >= warmups) {
                list.add((a.nanos() - t0) / 1e6);
            }
        }
        repeats(listPeers, list, "call");
        listPeers.spread = p5p95(list);

        ctx.log(String.format(Locale.ROOT, "  writing %,d delivered messages", history));
        for (int i = 0; i < history; i++) {
            mesh.tell("peer-" + String.format(Locale.ROOT, "%03d", i % peers), server.name(),
                    "History " + i + ": the nightly build of change " + i + " passed; nothing to do.");
        }
        List<InboxItem> taken = new ArrayList<>();
        for (List<InboxItem> batch; !(batch = mesh.inbox().handOver(server.name(), java.util.Optional.empty(), 1000,
                Integer.MAX_VALUE).items()).isEmpty(); ) {
            taken.addAll(batch); // as a session that read them all: seen
        }
        if (taken.size() != history) {
            throw new BenchException("seeded " + taken.size() + " delivered messages, not " + history);
        }
        List<Double> poll = new ArrayList<>();
        for (int i = 0; i < warmups + calls; i++) {
            mesh.tell("peer-000", server.name(), "New " + i + ": please review change " + i + ".");
            long t0 = System.nanoTime();
            McpProcess.Arrival a = server.rpc().await(server.rpc().callAsync("poll_inbox", Map.of()), 60, "poll_inbox");
            JsonNode items = server.rpc().structured(a, "poll_inbox").path("items");
            if (items.size() != 1 || !items.get(0).path("body").asText().startsWith("New " + i + ":")) {
                throw new BenchException("poll_inbox returned " + items + " instead of the one new message");
            }
            if (i >= warmups) {
                poll.add((a.nanos() - t0) / 1e6);
            }
        }
        repeats(pollInbox, poll, "call");
        pollInbox.spread = p5p95(poll);
        ctx.stopServers();
    }

    private static String p5p95(List<Double> samples) {
        Stats s = new Stats(samples);
        return "p5–p95 " + Unit.MS.range(s.percentile(5), s.percentile(95));
    }
}
