package dev.claudemesh.mcp;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Liveness without timeouts: a server killed with SIGKILL (no chance to say goodbye) is seen offline by the
 * others as soon as its process is gone, a call waiting on it ends, and questions it was waiting for are
 * dropped as abandoned.
 */
class LivenessIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;
    Peer frontend;
    Peer backend;

    @BeforeEach
    void start() throws Exception {
        mesh = new MeshFixture(tmp);
        frontend = mesh.server(mesh.project("frontend"));
        backend = mesh.server(mesh.project("backend"));
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void aKilledServerIsOfflineForOtherPeersAsSoonAsItsProcessIsGone() throws Exception {
        assertEquals("active", frontend.statusOf("backend"));
        kill9("backend");

        frontend.awaitStatus("backend", "offline");
        assertEquals("active", mesh.row("SELECT state FROM peers WHERE name_key = 'backend'"),
                "nobody marked it offline: its status comes from its dead process alone");
        List<Map<String, Object>> active = (List<Map<String, Object>>) frontend.ok("list_peers", Map.of()).get("peers");
        assertTrue(active.stream().noneMatch(p -> "backend".equals(p.get("name"))), "offline peers are hidden by default: " + active);
        String err = frontend.error("ask_peer", Map.of("to", "backend", "question", "still there?"));
        assertTrue(err.contains("offline"), err);
    }

    @Test
    void anAskWaitingOnAPeerThatIsKilledReturnsPeerOffline() throws Exception {
        CompletableFuture<Map<String, Object>> ask = CompletableFuture.supplyAsync(() ->
                frontend.ok("ask_peer", Map.of("to", "backend", "question", "Will you answer?", "timeout_seconds", 600)));
        String id = mesh.awaitPendingQuestionFor("backend");
        assertFalse(ask.isDone());

        kill9("backend");

        Map<String, Object> r = ask.get(60, TimeUnit.SECONDS);
        assertEquals("peer_offline", r.get("status"), r.toString());
        assertEquals(id, r.get("question_id"));
        assertEquals("backend", r.get("from"));
        assertFalse(r.containsKey("answer"), r.toString());
        assertTrue(List.of("expired", "cancelled", "abandoned").contains(mesh.row("SELECT status FROM questions WHERE id = '" + id + "'")),
                "the question is no longer pending");
    }

    @Test
    void aQuestionWhoseAskerIsKilledWhileWaitingIsAbandonedAndNoLongerDelivered() throws Exception {
        CompletableFuture.runAsync(() ->
                frontend.call("ask_peer", Map.of("to", "backend", "question", "Are you there?", "timeout_seconds", 600)));
        String id = mesh.awaitPendingQuestionFor("backend");

        kill9("frontend");
        backend.awaitStatus("frontend", "offline");

        assertEquals(List.of(), backend.inbox(), "nobody waits for the question any more, so it is not shown");
        assertEquals("abandoned", mesh.row("SELECT status FROM questions WHERE id = '" + id + "'"));
        String err = backend.error("reply_to_peer", Map.of("question_id", id, "answer", "yes"));
        assertTrue(err.contains("abandoned"), err);
    }

    // ------------------------------------------------------------------ helpers

    /** SIGKILL to the server process recorded for {@code name}, after checking it is one this test started. */
    void kill9(String name) throws Exception {
        long pid = Long.parseLong(mesh.row("SELECT server_pid FROM peers WHERE name_key = '" + name + "'"));
        Optional<ProcessHandle> server = ProcessHandle.current().descendants().filter(h -> h.pid() == pid).findFirst();
        assertTrue(server.isPresent(), "server_pid " + pid + " of " + name + " is not a process this test started");
        assertTrue(server.get().destroyForcibly(), "could not send SIGKILL to " + pid);
        server.get().onExit().get(30, TimeUnit.SECONDS);
    }

}
