package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import dev.claudemesh.testing.RawServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Channel push: items arrive as notifications/claude/channel events, once, and only when the session opted in. */
class ChannelIT {
    static final String METHOD = "notifications/claude/channel";
    @TempDir
    Path tmp;
    MeshFixture mesh;

    @BeforeEach
    void setUp() {
        mesh = new MeshFixture(tmp);
        transcript = tmp.resolve("transcript-s.jsonl");
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    /**
     * A server with channels on whose session is as Claude Code makes one that accepts channel events: its
     * SessionStart hook reported the transcript, and every event it pushes is recorded there as queued, then shown.
     */
    RawServer pushingSession(String project) throws Exception {
        RawServer s = RawServer.started(env(project, "on"));
        mesh.startSession(mesh.project(project), "s", transcript);
        new dev.claudemesh.testing.ClaudeTranscript(transcript).acceptChannelEvents(s);
        return s;
    }

    Path transcript;

    Map<String, String> env(String project, String channel) throws Exception {
        Map<String, String> env = mesh.env(mesh.project(project));
        env.put("MESH_CHANNEL", channel);
        return env;
    }

    @Test
    void everyKindIsPushedAsAChannelEventWithStringMetaAndNotDeliveredAgain() throws Exception {
        try (RawServer backend = pushingSession("backend")) {
            assertTrue(backend.initializeResult.path("capabilities").path("experimental").has("claude/channel"),
                    backend.initializeResult.toString());
            backend.callTool(1, "subscribe", Map.of("topic", "schema"));
            backend.response(1, 20);
            Peer frontend = mesh.server(mesh.project("frontend"));

            frontend.ok("tell_peer", Map.of("to", "backend", "message", "hello there"));
            frontend.ok("broadcast", Map.of("message", "V7 adds users.email", "topic", "schema"));
            Map<String, Object> task = frontend.ok("delegate_task", Map.of("to", "backend", "description", "add /health"));
            CompletableFuture<Map<String, Object>> ask = CompletableFuture.supplyAsync(() ->
                    frontend.ok("ask_peer", Map.of("to", "backend", "question", "which port?", "timeout_seconds", 60)));

            List<JsonNode> events = awaitEvents(backend, 4);
            Map<String, JsonNode> byKind = new HashMap<>();
            for (JsonNode e : events) {
                JsonNode meta = e.path("params").path("meta");
                for (Map.Entry<String, JsonNode> f : meta.properties()) {
                    assertTrue(f.getKey().matches("[A-Za-z0-9_]+"), "meta key " + f.getKey());
                    assertTrue(f.getValue().isTextual(), "meta value of " + f.getKey() + " must be a string");
                }
                assertEquals("frontend", meta.path("from").asText());
                assertFalse(meta.path("sent_at").asText().isEmpty());
                byKind.put(meta.path("kind").asText(), e.path("params"));
            }
            assertEquals(java.util.Set.of("message", "broadcast", "task", "question"), byKind.keySet());
            assertTrue(byKind.get("message").path("content").asText().contains("hello there"));
            assertTrue(byKind.get("message").path("content").asText().contains("<peer_message"), "framed as peer text");
            assertEquals("schema", byKind.get("broadcast").path("meta").path("topic").asText());
            assertEquals(task.get("task_id"), byKind.get("task").path("meta").path("task_id").asText());
            String qid = byKind.get("question").path("meta").path("question_id").asText();
            assertTrue(qid.startsWith("q_"));

            backend.callTool(2, "poll_inbox", Map.of());
            assertEquals(0, backend.response(2, 20).path("result").path("structuredContent").path("items").size(),
                    "what was pushed is not delivered again by poll_inbox");

            backend.callTool(3, "reply_to_peer", Map.of("question_id", qid, "answer", "8080"));
            backend.response(3, 20);
            assertEquals("8080", ask.get(30, TimeUnit.SECONDS).get("answer"));
            backend.callTool(4, "complete_task", Map.of("task_id", task.get("task_id"), "status", "completed", "result", "done"));
            backend.response(4, 20);
        }
    }

    @Test
    void withChannelsOffNothingIsPushedAndItemsWaitForTheInbox() throws Exception {
        try (RawServer backend = RawServer.started(env("backend", "off"))) {
            assertFalse(backend.initializeResult.path("capabilities").path("experimental").has("claude/channel"));
            Peer frontend = mesh.server(mesh.project("frontend"));
            frontend.ok("tell_peer", Map.of("to", "backend", "message", "for later"));
            Thread.sleep(500);
            assertEquals(List.of(), backend.notifications(METHOD));
            backend.callTool(1, "poll_inbox", Map.of());
            assertEquals("for later", backend.response(1, 20).path("result").path("structuredContent").path("items").get(0).path("body").asText());
        }
    }

    @Test
    void autoModePushesOnlyWhenClaudeCodeWasLaunchedWithTheChannelFlagForThisServer() throws Exception {
        String server = MeshFixture.bin("claude-mesh-server").toString();
        // A stand-in for Claude Code: a bash process (the server's parent) whose own arguments carry the flags.
        List<String> withFlag = List.of("bash", "-c", "\"$0\"; exit $?", server,
                "--dangerously-load-development-channels", "server:claude-mesh");
        List<String> otherServer = List.of("bash", "-c", "\"$0\"; exit $?", server,
                "--dangerously-load-development-channels", "server:something-else");
        List<String> noFlag = List.of("bash", "-c", "\"$0\"; exit $?", server, "--model", "opus");
        assertTrue(pushes(withFlag, "auto-a"), "flag naming this server: push");
        assertFalse(pushes(otherServer, "auto-b"), "flag naming another server: no push");
        assertFalse(pushes(noFlag, "auto-c"), "no flag: no push");
    }

    private boolean pushes(List<String> command, String project) throws Exception {
        Map<String, String> env = env(project, "auto");
        try (RawServer s = RawServer.initialized(new RawServer(command, env))) {
            return s.initializeResult.path("capabilities").path("experimental").has("claude/channel");
        }
    }

    @Test
    void noItemIsDeliveredTwiceWhenPushHooksAndPollInboxAllRunAtOnce() throws Exception {
        Path backendDir = mesh.project("backend");
        try (RawServer backend = pushingSession("backend")) {
            Peer frontend = mesh.server(mesh.project("frontend"));
            int n = 60;
            List<String> viaHooks = new java.util.concurrent.CopyOnWriteArrayList<>();
            List<String> viaPoll = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            CompletableFuture<Void> hooks = CompletableFuture.runAsync(() -> {
                while (!stop.get()) {
                    try {
                        MeshFixture.HookRun r = mesh.hook("inbox-poll", backendDir, MeshFixture.hookJson("UserPromptSubmit", "s",
                                backendDir, Map.of("prompt", "x", "transcript_path", transcript.toString())));
                        java.util.regex.Matcher m = java.util.regex.Pattern.compile("id=\\\\\"(m_[0-9a-f]+)\\\\\"").matcher(r.stdout());
                        while (m.find()) {
                            viaHooks.add(m.group(1));
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }
            });
            int pollId = 100;
            List<String> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sent.add((String) frontend.ok("tell_peer", Map.of("to", "backend", "message", "msg " + i)).get("message_id"));
                if (i % 3 == 0) {
                    backend.callTool(pollId, "poll_inbox", Map.of());
                    backend.response(pollId++, 20).path("result").path("structuredContent").path("items")
                            .forEach(item -> viaPoll.add(item.path("id").asText()));
                }
            }
            List<String> viaPush = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline && viaPush.size() + viaPoll.size() + viaHooks.size() < n) {
                backend.notifications(METHOD).forEach(e -> viaPush.add(e.path("params").path("meta").path("message_id").asText()));
                Thread.sleep(50);
            }
            stop.set(true);
            hooks.get(60, TimeUnit.SECONDS);
            backend.notifications(METHOD).forEach(e -> viaPush.add(e.path("params").path("meta").path("message_id").asText()));
            List<String> all = new ArrayList<>(viaPush);
            all.addAll(viaPoll);
            all.addAll(viaHooks);
            assertEquals(n, all.size(), "push " + viaPush.size() + ", poll " + viaPoll.size() + ", hooks " + viaHooks.size());
            assertEquals(new java.util.HashSet<>(sent), new java.util.HashSet<>(all), "each message exactly once");
        }
    }

    static List<JsonNode> awaitEvents(RawServer s, int count) throws InterruptedException {
        List<JsonNode> got = new ArrayList<>();
        for (int i = 0; i < 1000 && got.size() < count; i++) {
            got.addAll(s.notifications(METHOD));
            Thread.sleep(20);
        }
        assertEquals(count, got.size(), "channel events: " + got);
        return got;
    }

}
