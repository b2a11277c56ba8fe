package dev.claudemesh.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Figure 8 (issue 4): a listening server with {@code MESH_CHANNEL=on} pushes each item to its client as a
 * {@code notifications/claude/channel} event. The figure is the time from the sender's {@code tell_peer}
 * response arriving here (the message was committed before it) to the event carrying that message's id
 * arriving here from the listener, one message at a time. This process stands in for the listener's Claude
 * Code as one that accepts channel events: it reported the session's transcript through the SessionStart hook
 * and records each event there as queued and shown, as Claude Code does, so the server proves its pushes.
 */
final class ChannelSection extends Section {
    static final String METHOD = "notifications/claude/channel";
    private final int messages;
    private final int warmups;
    private final Row p50;
    private final Row p99;

    ChannelSection(BenchContext ctx) {
        messages = ctx.pick(150, 10);
        warmups = ctx.pick(5, 2);
        p50 = row("8a", "Channel push latency: `tell_peer` committed → `notifications/claude/channel` at the other client, p50",
                Unit.MS, Target.below(100, Unit.MS));
        p99 = row("8b", "Channel push latency: `tell_peer` committed → `notifications/claude/channel` at the other client, p99",
                Unit.MS, Target.below(100, Unit.MS));
    }

    @Override
    String name() {
        return "channel";
    }

    @Override
    String title() {
        return "channel push latency (" + messages + " messages)";
    }

    @Override
    void run(BenchContext ctx) throws Exception {
        Path dir = ctx.sectionDir("channel");
        Path db = ctx.newDb(dir);
        Map<String, CompletableFuture<Long>> pushed = new ConcurrentHashMap<>();
        AtomicInteger events = new AtomicInteger();
        Path listenerDir = ctx.project(dir, "listener");
        Path transcript = dir.resolve("listener-session.jsonl");
        McpProcess listenerRpc = ctx.server("listener", db, listenerDir, true);
        listenerRpc.onNotification(a -> {
            if (METHOD.equals(a.message().path("method").asText())) {
                accepted(transcript, a.message().path("params").path("content").asText());
                events.incrementAndGet();
                String id = a.message().path("params").path("meta").path("message_id").asText();
                pushed.computeIfAbsent(id, k -> new CompletableFuture<>()).complete(a.nanos());
            }
        });
        McpProcess.Arrival init = listenerRpc.initialize(120);
        if (!init.result().path("capabilities").path("experimental").has("claude/channel")) {
            throw new BenchException("the listener did not declare claude/channel with MESH_CHANNEL=on: " + init.message());
        }
        String listener = listenerRpc.call("register", Map.of()).path("name").asText();
        HookRunner.Run started = new HookRunner(dir).run(ctx.launcher("claude-mesh-session-start"), ctx.env(db, listenerDir, false),
                listenerDir, HookRunner.input("SessionStart", "bench-listener", listenerDir,
                        Map.of("source", "startup", "transcript_path", transcript.toString())));
        if (!started.stdout().contains("peer '" + listener + "'")) {
            throw new BenchException("the listener's SessionStart hook did not find its server: " + started.stdout() + started.stderr());
        }
        BenchContext.Server teller = ctx.started("teller", db, ctx.project(dir, "teller"), false);

        List<Double> latency = new ArrayList<>();
        for (int i = 0; i < warmups + messages; i++) {
            // Jitter, so sends do not fall into step with the listener's polling interval.
            Thread.sleep(ThreadLocalRandom.current().nextInt(0, 20));
            McpProcess.Arrival told = teller.rpc().await(teller.rpc().callAsync("tell_peer",
                    Map.of("to", listener, "message", "build " + i + " is green")), 60, "tell_peer");
            JsonNode t = teller.rpc().structured(told, "tell_peer");
            String id = t.path("message_id").asText();
            long at;
            try {
                at = pushed.computeIfAbsent(id, k -> new CompletableFuture<>()).get(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                throw new BenchException("no channel event for message " + id + " within 10 s" + listenerRpc.stderrHint());
            }
            if (i >= warmups) {
                latency.add((at - told.nanos()) / 1e6);
            }
        }
        Thread.sleep(200);
        if (events.get() != warmups + messages || pushed.size() != warmups + messages) {
            throw new BenchException(events.get() + " channel events (" + pushed.size() + " distinct) for "
                    + (warmups + messages) + " messages");
        }
        percentiles(p50, p99, 99, latency);
        ctx.stopServers();
    }

    /** What Claude Code writes when it accepts a channel event and then shows it to the model. */
    private static synchronized void accepted(Path transcript, String content) {
        try {
            String c = McpProcess.JSON.writeValueAsString(content);
            java.nio.file.Files.writeString(transcript,
                    "{\"type\":\"queue-operation\",\"operation\":\"enqueue\",\"content\":" + c + "}\n"
                            + "{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":" + c + "},\"isMeta\":true}\n",
                    java.nio.charset.StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
