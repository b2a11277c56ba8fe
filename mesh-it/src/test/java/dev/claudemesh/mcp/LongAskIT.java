package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import dev.claudemesh.testing.RawServer;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Asks that outlast one call. Claude Code moves a call still running after CLAUDE_CODE_MCP_AUTO_BACKGROUND_MS
 * to the background, so a call waits at most that less 10 s (here 15 s, so 5 s) and then says the question is
 * still open; the answer, whenever it comes, reaches the asker as an inbox item of kind answer, exactly once.
 */
class LongAskIT {
    static final String BACKGROUND_MS = "15000";
    @TempDir
    Path tmp;
    MeshFixture mesh;

    @BeforeEach
    void setUp() {
        mesh = new MeshFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    Map<String, String> env(String project, String channel) throws Exception {
        Map<String, String> env = new HashMap<>(mesh.env(mesh.project(project)));
        env.put("CLAUDE_CODE_MCP_AUTO_BACKGROUND_MS", BACKGROUND_MS);
        env.put("MESH_CHANNEL", channel);
        return env;
    }

    Peer server(String name) throws Exception {
        return mesh.server(mesh.project(name), Map.of("CLAUDE_CODE_MCP_AUTO_BACKGROUND_MS", BACKGROUND_MS));
    }

    @Test
    void anAskPastTheBackgroundLimitReturnsWaitingAndTheAnswerReachesTheAskersInboxOnce() throws Exception {
        Peer frontend = server("frontend");
        Peer backend = server("backend");
        Instant before = Instant.now();
        Map<String, Object> r = frontend.ok("ask_peer", Map.of("to", "backend", "question", "Which port in dev?"));
        assertEquals("waiting", r.get("status"), r.toString());
        String id = (String) r.get("question_id");
        Instant expires = Instant.parse((String) r.get("expires_at"));
        assertTrue(!expires.isBefore(before.plusSeconds(600)) && expires.isBefore(Instant.now().plusSeconds(601)),
                "open for the default 600 s: " + expires);
        String next = (String) r.get("next_step");
        assertTrue(next.contains("kind answer") && next.contains("await_answer") && next.contains(id), next);
        assertEquals("pending", mesh.row("SELECT status FROM questions WHERE id = '" + id + "'"), "the question stays open");
        assertEquals("600000", mesh.row("SELECT expires_at - asked_at FROM questions WHERE id = '" + id + "'"));

        Map<String, Object> q = backend.awaitItem("question");
        assertEquals(id, q.get("id"));
        backend.ok("reply_to_peer", Map.of("question_id", id, "answer", "8080"));

        Map<String, Object> a = frontend.awaitItem("answer");
        assertEquals(id, a.get("id"));
        assertEquals("backend", a.get("from"));
        assertEquals("8080", a.get("body"));
        assertEquals(List.of(), frontend.inbox(), "delivered once");
    }

    @Test
    void awaitAnswerWaitsAgainAndReturnsTheAnswerAndOnlyTheAskerMayCallIt() throws Exception {
        Peer frontend = server("frontend");
        Peer backend = server("backend");
        Peer infra = server("infra");
        String id = (String) frontend.ok("ask_peer", Map.of("to", "backend", "question", "Ready?", "timeout_seconds", 900))
                .get("question_id");

        String notYours = infra.error("await_answer", Map.of("question_id", id));
        assertTrue(notYours.contains("asked by 'frontend'") && notYours.contains("only its asker"), notYours);
        String unknown = frontend.error("await_answer", Map.of("question_id", "q_000000000000"));
        assertTrue(unknown.contains("No question with id"), unknown);
        Map<String, Object> again = frontend.ok("await_answer", Map.of("question_id", id));
        assertEquals("waiting", again.get("status"), again.toString());

        CompletableFuture<Map<String, Object>> waiting = CompletableFuture.supplyAsync(() ->
                frontend.ok("await_answer", Map.of("question_id", id)));
        Thread.sleep(500);
        backend.awaitItem("question");
        backend.ok("reply_to_peer", Map.of("question_id", id, "answer", "yes"));
        Map<String, Object> got = waiting.get(60, TimeUnit.SECONDS);
        assertEquals("answered", got.get("status"), got.toString());
        assertEquals("yes", got.get("answer"));
        assertTrue(((String) got.get("note")).contains("another session"));

        Map<String, Object> later = frontend.ok("await_answer", Map.of("question_id", id));
        assertEquals("answered", later.get("status"), "an answer that came earlier is returned as well");
        assertEquals(List.of(), frontend.inbox(), "the answer a call returned is not delivered again");
    }

    @Test
    void anAnswerTheAskersCallReturnsIsNotPushedAgainButOneThatCameLaterIs() throws Exception {
        Peer backend = server("backend");
        try (RawServer frontend = RawServer.started(env("frontend", "on"))) {
            Path transcript = tmp.resolve("frontend-session.jsonl");
            mesh.startSession(mesh.project("frontend"), "s-front", transcript);
            new dev.claudemesh.testing.ClaudeTranscript(transcript).acceptChannelEvents(frontend);
            frontend.callTool(1, "ask_peer", Map.of("to", "backend", "question", "first?"));
            backend.ok("reply_to_peer", Map.of("question_id", backend.awaitItem("question").get("id"), "answer", "one"));
            JsonNode first = frontend.response(1, 60).path("result").path("structuredContent");
            assertEquals("answered", first.path("status").asText(), first.toString());

            frontend.callTool(2, "ask_peer", Map.of("to", "backend", "question", "second?"));
            JsonNode second = frontend.response(2, 60).path("result").path("structuredContent");
            assertEquals("waiting", second.path("status").asText(), second.toString());
            String id = second.path("question_id").asText();
            backend.ok("reply_to_peer", Map.of("question_id", backend.awaitItem("question").get("id"), "answer", "two"));

            List<JsonNode> answers = List.of();
            for (int i = 0; i < 500 && answers.isEmpty(); i++) {
                Thread.sleep(20);
                answers = frontend.notifications(ChannelPusher.METHOD).stream()
                        .filter(n -> "answer".equals(n.path("params").path("meta").path("kind").asText())).toList();
            }
            assertEquals(1, answers.size(), "only the answer no call returned is pushed: " + answers);
            JsonNode params = answers.get(0).path("params");
            assertEquals(id, params.path("meta").path("question_id").asText());
            String content = params.path("content").asText();
            assertTrue(content.startsWith("<peer_answer from=\"backend\" ") && content.contains(" question_id=\"" + id + "\""), content);
            assertTrue(content.contains("\ntwo\n</peer_answer boundary="), content);
        }
    }

    @Test
    void theToolsSayWhatReallyHappensToALongAsk() throws Exception {
        Peer frontend = server("frontend");
        Map<String, Tool> tools = new HashMap<>();
        frontend.client().listTools().tools().forEach(t -> tools.put(t.name(), t));
        String ask = tools.get("ask_peer").description();
        assertTrue(ask.contains("up to 5 s") && ask.contains("waiting") && ask.contains("kind answer")
                && ask.contains("await_answer"), ask);
        assertFalse(ask.toLowerCase(java.util.Locale.ROOT).contains("blocks until"), ask);
        Map<?, ?> props = (Map<?, ?>) tools.get("ask_peer").inputSchema().get("properties");
        String timeout = String.valueOf(((Map<?, ?>) props.get("timeout_seconds")).get("description"));
        assertTrue(timeout.contains("default 600"), timeout);
        assertTrue(tools.get("await_answer").description().contains("Only the session that asked"));
        assertEquals(Duration.ofSeconds(110), MeshTools.waitLimit(null), "Claude Code's default: 120 s");
        assertEquals(Duration.ofSeconds(1), MeshTools.waitLimit("5000"), "at least a second");
        assertEquals(Duration.ofSeconds(110), MeshTools.waitLimit("soon"), "an unusable value is ignored");
    }

}
