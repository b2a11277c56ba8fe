package dev.claudemesh.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Figure 4 (after load): a server through which {@code messages} messages pass, half sent by it with
 * {@code tell_peer} and half received by it with {@code poll_inbox} while a peer sends them, then its
 * resident set size. Repeated with a fresh server each time.
 */
final class MemorySection extends Section {
    static final int POLL_EVERY = 50;
    private final int messages;
    private final int repeats;
    private final Row rss;

    MemorySection(BenchContext ctx) {
        messages = ctx.pick(10_000, 500);
        repeats = ctx.pick(3, 1);
        rss = row("4b", String.format(Locale.ROOT, "Server resident memory after %,d messages through it", messages),
                Unit.MB, Target.atMost(96, Unit.MB));
    }

    @Override
    String name() {
        return "memory";
    }

    @Override
    String title() {
        return String.format(Locale.ROOT, "memory after %,d messages (%d servers)", messages, repeats);
    }

    @Override
    void run(BenchContext ctx) throws Exception {
        Path dir = ctx.sectionDir("memory");
        List<Double> after = new ArrayList<>();
        List<String> before = new ArrayList<>();
        List<String> aborted = new ArrayList<>();
        // A run in which a server stopped answering is not a measurement: it is noted and replaced, once.
        for (int r = 0; after.size() < repeats && r < repeats + 1; r++) {
            try {
                after.add(once(ctx, dir, r, before));
            } catch (StoppedAnswering e) {
                ctx.log("  run " + r + " aborted: " + e.getMessage());
                aborted.add(e.getMessage());
            } finally {
                ctx.stopServers();
            }
        }
        if (after.isEmpty()) {
            throw new BenchException("no run completed: " + String.join("; ", aborted));
        }
        repeats(rss, after, "server");
        if (!aborted.isEmpty()) {
            rss.runs += " (" + aborted.size() + " aborted)";
            aborted.forEach(a -> ctx.note("4b: aborted a run: " + a));
        }
        ctx.note(String.format(Locale.ROOT, "4b: each server sent %,d messages with `tell_peer` and received %,d with `poll_inbox` "
                + "(called after every %d sends); its resident memory before was %s MB, 1 s after the last message %s MB.",
                messages - messages / 2, messages / 2, POLL_EVERY, String.join(", ", before),
                String.join(", ", after.stream().map(Unit.MB::number).toList())));
    }

    /** One run: a new file, the measured server and its peer; returns the measured server's RSS afterwards, in MB. */
    private double once(BenchContext ctx, Path dir, int r, List<String> before) throws Exception {
        Path runDir = java.nio.file.Files.createDirectories(dir.resolve("run-" + r));
        Path db = ctx.newDb(runDir);
        BenchContext.Server peer = ctx.started("memory-peer-" + r, db, ctx.project(runDir, "memory-peer"), false);
        BenchContext.Server x = ctx.started("memory-" + r, db, ctx.project(runDir, "memory"), false);
        int half = messages / 2;
        Thread.sleep(500);
        String rssBefore = Unit.MB.number(ProcStats.rssKb(x.rpc().pid()) / 1024.0);

        Set<String> received = new HashSet<>();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread inbound = new Thread(() -> {
            try {
                pump(peer.rpc(), "tell_peer", half, 1, i -> Map.of("to", x.name(),
                        "message", "Inbound " + i + ": the schema migration V" + i + " is applied on staging."));
            } catch (Throwable t) {
                failed.compareAndSet(null, t);
            }
        }, "bench-memory-inbound");
        inbound.start();
        try {
            // The measured server sends its half while the peer sends the other half to it, and takes what has
            // arrived every POLL_EVERY sends: one call at a time, as one session makes them.
            for (int i = 0; i < messages - half && failed.get() == null; i++) {
                McpProcess.Arrival sent = x.rpc().awaitOrDrop(x.rpc().callAsync("tell_peer", Map.of("to", peer.name(),
                        "message", "Outbound " + i + ": please rebase onto main before merging change " + i + ".")));
                if (sent != null) {
                    x.rpc().structured(sent, "tell_peer");
                }
                if (i % POLL_EVERY == POLL_EVERY - 1) {
                    take(x, received);
                }
            }
        } catch (RuntimeException e) {
            failed.compareAndSet(null, e);
        }
        inbound.join();
        if (failed.get() != null) {
            throw failed.get() instanceof Exception e ? e : new BenchException(failed.get().toString());
        }
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (received.size() < half && System.nanoTime() < deadline) {
            take(x, received);
            Thread.sleep(20);
        }
        if (received.size() != half && x.rpc().dropped.get() + peer.rpc().dropped.get() == 0) {
            throw new BenchException("memory-" + r + " received " + received.size() + " of " + half + " messages");
        }
        peer.rpc().awaitOrDrop(peer.rpc().callAsync("poll_inbox", Map.of()));
        Thread.sleep(1000);
        before.add(rssBefore);
        return ProcStats.rssKb(x.rpc().pid()) / 1024.0;
    }

    private static void take(BenchContext.Server x, Set<String> received) throws Exception {
        McpProcess.Arrival a = x.rpc().awaitOrDrop(x.rpc().callAsync("poll_inbox", Map.of()));
        if (a == null) {
            return; // the server dropped the response: what it took is lost, and the count will say so
        }
        for (JsonNode item : x.rpc().structured(a, "poll_inbox").path("items")) {
            if (!received.add(item.path("id").asText())) {
                throw new BenchException("message " + item.path("id").asText() + " delivered twice");
            }
        }
    }
}
