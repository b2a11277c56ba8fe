package dev.claudemesh.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.RawServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How a server behaves toward its client: cancellation, stdin closing, and a stdout that is only JSON-RPC. */
class ServerLifecycleIT {
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

    @Test
    void cancellingAWaitingAskEndsItAtOnceAndMarksTheQuestionCancelled() throws Exception {
        mesh.server(mesh.project("backend"));
        try (RawServer front = RawServer.started(mesh.env(mesh.project("frontend")))) {
            front.callTool(7, "ask_peer", Map.of("to", "backend", "question", "long one", "timeout_seconds", 600));
            String id = awaitQuestion("pending");
            Thread.sleep(300); // the call is waiting by now, not still recording its question
            front.send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7,\"reason\":\"user pressed Esc\"}}");
            JsonNode r = front.response(7, 20);
            assertEquals("cancelled", r.path("result").path("structuredContent").path("status").asText(), r.toString());
            assertEquals("cancelled", status(id));

            // The server is still usable afterwards, and the cancelled thread did not poison the next call.
            front.callTool(8, "list_peers", Map.of());
            assertFalse(front.response(8, 20).path("result").path("isError").asBoolean());
        }
    }

    @Test
    void serverExitsPromptlyWhenStdinClosesEvenWithACallWaiting() throws Exception {
        mesh.server(mesh.project("backend"));
        RawServer front = RawServer.started(mesh.env(mesh.project("frontend")));
        try (front) {
            front.callTool(1, "ask_peer", Map.of("to", "backend", "question", "are you there?", "timeout_seconds", 600));
            String id = awaitQuestion("pending");
            front.closeStdin();
            assertTrue(front.process.waitFor(10, TimeUnit.SECONDS), "the server must exit when its client goes away");
            assertEquals(0, front.process.exitValue());
            assertEquals("cancelled", status(id), "the abandoned wait ends its question");
            assertEquals("offline", row("SELECT state FROM peers WHERE name_key = 'frontend'"));
        }
    }

    /**
     * Claude Code stops a server with SIGINT, and SIGTERM only ~100 ms later; it may start the server with SIGINT
     * ignored, which a JVM inherits and then never handles. The server must end on SIGINT all the same, having
     * left the mesh and removed its hook socket.
     */
    @Test
    void sigintEndsTheServerEvenFromAParentThatIgnoresItAndTakesItOffline() throws Exception {
        List<String> ignoringSigint = List.of("bash", "-c", "trap '' INT; exec \"$0\"",
                MeshFixture.bin("claude-mesh-server").toString());
        try (RawServer front = RawServer.initialized(new RawServer(ignoringSigint, mesh.env(mesh.project("frontend"))))) {
            front.callTool(1, "list_peers", Map.of());
            front.response(1, 20);
            Path run = mesh.db.resolveSibling("run");
            assertEquals(1, sockets(run), "the server listens for its hooks");
            assertEquals("active", row("SELECT state FROM peers WHERE name_key = 'frontend'"));

            long sent = System.nanoTime();
            new ProcessBuilder("kill", "-INT", Long.toString(front.process.pid())).start().waitFor();
            assertTrue(front.process.waitFor(10, TimeUnit.SECONDS), "SIGINT must end the server");
            System.out.printf("server exited %d ms after SIGINT%n", (System.nanoTime() - sent) / 1_000_000);
            assertEquals("offline", row("SELECT state FROM peers WHERE name_key = 'frontend'"));
            assertEquals(0, sockets(run), "its hook socket is gone");
        }
    }

    static long sockets(Path run) throws java.io.IOException {
        if (!java.nio.file.Files.isDirectory(run)) {
            return 0;
        }
        try (var files = java.nio.file.Files.list(run)) {
            return files.filter(f -> f.toString().endsWith(".sock")).count();
        }
    }

    @Test
    void everyLineOnStdoutIsJsonRpc() throws Exception {
        mesh.server(mesh.project("backend"));
        try (RawServer front = RawServer.started(mesh.env(mesh.project("frontend")))) {
            front.send("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\"}");
            front.response(2, 20);
            front.callTool(3, "ask_peer", Map.of("to", "nobody", "question", "x"));
            front.response(3, 20);
            front.callTool(4, "ask_peer", Map.of("to", "backend", "question", "x", "timeout_seconds", 1));
            front.response(4, 20);
            front.callTool(5, "no_such_tool", Map.of());
            front.response(5, 20);
            front.send("this is not json");
            front.callTool(6, "list_peers", Map.of());
            front.response(6, 20);
            assertFalse(front.stdoutLines.isEmpty());
            for (String line : front.stdoutLines) {
                JsonNode n = MeshFixture.JSON.readTree(line);
                assertEquals("2.0", n.path("jsonrpc").asText(), "not JSON-RPC on stdout: " + line);
            }
        }
    }

    @Test
    void wronglyTypedOrMissingArgumentsAreErrorsThatChangeNothing() throws Exception {
        mesh.server(mesh.project("backend"));
        try (RawServer front = RawServer.started(mesh.env(mesh.project("frontend")))) {
            front.callTool(1, "ask_peer", Map.of("to", 42, "question", "x"));
            front.callTool(2, "ask_peer", Map.of("question", "x"));
            front.callTool(3, "reply_to_peer", Map.of("question_id", "q_1"));
            front.callTool(4, "tell_peer", Map.of("to", "back\u0007end", "message", "x"));
            front.callTool(5, "ask_peer", Map.of("to", "backend", "question", "x", "timeout_seconds", "soon"));
            for (int id = 1; id <= 5; id++) {
                JsonNode r = front.response(id, 20);
                boolean isError = r.path("result").path("isError").asBoolean() || r.has("error");
                assertTrue(isError, "call " + id + " should fail: " + r);
            }
            assertEquals("0", row("SELECT count(*) FROM questions"));
            assertEquals("0", row("SELECT count(*) FROM inbox"));
        }
    }

    // ------------------------------------------------------------------ helpers

    String awaitQuestion(String wanted) throws Exception {
        for (int i = 0; i < 500; i++) {
            String id = row("SELECT id FROM questions WHERE status = '" + wanted + "'");
            if (id != null) {
                return id;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + wanted + " question appeared");
    }

    String status(String id) throws Exception {
        for (int i = 0; i < 250; i++) {
            String s = row("SELECT status FROM questions WHERE id = '" + id + "'");
            if (!"pending".equals(s)) {
                return s;
            }
            Thread.sleep(20);
        }
        return "pending";
    }

    /** A look at the mesh's tables; null while it has no schema yet. */
    String row(String sql) {
        try {
            return mesh.row(sql);
        } catch (java.sql.SQLException noSchemaYet) {
            return null;
        }
    }
}
