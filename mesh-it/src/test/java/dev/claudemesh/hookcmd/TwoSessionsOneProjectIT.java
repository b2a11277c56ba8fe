package dev.claudemesh.hookcmd;

import dev.claudemesh.testing.ClaudeStandIn;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.HookRun;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Claude Code sessions in one project directory are two peers (backend and backend-2), and every hook
 * finds its own session's peer. Hooks tell sessions apart by which peer's recorded Claude Code process (the
 * server's parent) is one of their ancestors, so each session here is a {@link ClaudeStandIn}: a process that
 * is its server's parent and its hooks' ancestor, as Claude Code is.
 */
class TwoSessionsOneProjectIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;
    Path backendDir;
    final List<ClaudeStandIn> standIns = new ArrayList<>();

    /** One stand-in Claude Code process and its server's MCP client (once up). */
    final class Session {
        final ClaudeStandIn claude;
        Peer peer;
        long pid;

        Session(String label) throws Exception {
            claude = new ClaudeStandIn(tmp.resolve("claude-" + label), backendDir, "sess-" + label);
            standIns.add(claude);
        }

        long awaitPid() throws Exception {
            pid = claude.pid();
            return pid;
        }

        HookRun hook(String command, String event, Map<String, Object> extra) throws Exception {
            return claude.hook(command, event, extra);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        mesh = new MeshFixture(tmp);
        backendDir = mesh.project("backend");
    }

    @AfterEach
    void tearDown() {
        ClaudeStandIn.stopAll(standIns, mesh);
    }

    /** A session whose server is up (handshake done). */
    Session session(String label) throws Exception {
        Session s = new Session(label);
        s.peer = s.claude.startWithServer(mesh, false);
        s.awaitPid();
        return s;
    }

    @Test
    void twoSessionsInOneProjectAreTwoPeersAndEachSessionStartRecordsItsOwnSessionId() throws Exception {
        Session a = session("A");
        Session b = session("B");
        assertEquals("backend", self(a));
        assertEquals("backend-2", self(b));
        assertEquals(String.valueOf(a.pid), mesh.row("SELECT claude_pid FROM peers WHERE name_key = 'backend'"),
                "backend's Claude Code process is session A's stand-in");
        assertEquals(String.valueOf(b.pid), mesh.row("SELECT claude_pid FROM peers WHERE name_key = 'backend-2'"));

        String ctxB = b.hook("session-start", "SessionStart", Map.of("source", "startup")).additionalContext();
        String ctxA = a.hook("session-start", "SessionStart", Map.of("source", "startup")).additionalContext();
        assertTrue(ctxB.contains("this session is peer 'backend-2'"), ctxB);
        assertTrue(ctxA.contains("this session is peer 'backend'"), ctxA);
        assertEquals("sess-A", mesh.row("SELECT session_id FROM peers WHERE name_key = 'backend'"));
        assertEquals("sess-B", mesh.row("SELECT session_id FROM peers WHERE name_key = 'backend-2'"));
        assertEquals("2", mesh.row("SELECT count(*) FROM peers"), "no third peer was made");
    }

    @Test
    void aQuestionForTheSecondSessionReachesOnlyThatSessionsHooks() throws Exception {
        Session a = session("A");
        Session b = session("B");
        Peer frontend = mesh.server(mesh.project("frontend"));
        CompletableFuture<Map<String, Object>> ask = CompletableFuture.supplyAsync(() ->
                frontend.ok("ask_peer", Map.of("to", "backend-2", "question", "Q-FOR-B: which queue do you consume?", "timeout_seconds", 120)));
        String qid = mesh.awaitPendingQuestionFor("backend-2");

        assertEquals("", a.hook("inbox-poll", "UserPromptSubmit", Map.of("prompt", "hi")).stdout(),
                "session A's prompt must not bring in backend-2's question");
        assertEquals("", a.hook("inbox-poll", "Stop", Map.of("stop_hook_active", false)).stdout(),
                "session A's stop must not be blocked by backend-2's question");

        String ctx = b.hook("inbox-poll", "UserPromptSubmit", Map.of("prompt", "hi")).additionalContext();
        assertTrue(ctx.contains("you are 'backend-2'"), ctx);
        assertTrue(ctx.contains("question_id=\"" + qid + "\""), ctx);
        assertTrue(ctx.contains("Q-FOR-B: which queue do you consume?"), ctx);
        HookRun stopB = b.hook("inbox-poll", "Stop", Map.of("stop_hook_active", false));
        assertTrue(stopB.stopContext().contains("question " + qid), "session B's stop keeps it going: " + stopB.stdout());

        b.peer.ok("reply_to_peer", Map.of("question_id", qid, "answer", "orders.v2"));
        Map<String, Object> answer = ask.get(60, TimeUnit.SECONDS);
        assertEquals("answered", answer.get("status"));
        assertEquals("backend-2", answer.get("from"));
        assertEquals("orders.v2", answer.get("answer"));
    }

    @Test
    void sessionEndOfTheSecondSessionTakesOnlyItsOwnPeerOffline() throws Exception {
        Session a = session("A");
        Session b = session("B");
        Peer frontend = mesh.server(mesh.project("frontend"));
        a.hook("session-start", "SessionStart", Map.of("source", "startup"));
        b.hook("session-start", "SessionStart", Map.of("source", "startup"));

        // Claude Code stops a session's server, then runs its SessionEnd hook.
        b.claude.stopServer();
        b.hook("session-end", "SessionEnd", Map.of("reason", "prompt_input_exit"));

        assertEquals("active", mesh.row("SELECT state FROM peers WHERE name_key = 'backend'"));
        assertEquals("offline", mesh.row("SELECT state FROM peers WHERE name_key = 'backend-2'"));
        assertEquals("active", frontend.statusOf("backend"));
        assertEquals("offline", frontend.statusOf("backend-2"));
        assertEquals("backend", self(a), "session A's server is untouched");
    }

    @Test
    void sessionStartHooksThatRunBeforeTheirServersAreEachToldTheirOwnServersNameWhicheverServerStartsFirst() throws Exception {
        Session a = new Session("A");
        Session b = new Session("B");
        CompletableFuture<Peer> serverA = CompletableFuture.supplyAsync(() -> a.claude.startWithServer(mesh, true));
        a.awaitPid();
        CompletableFuture<Peer> serverB = CompletableFuture.supplyAsync(() -> b.claude.startWithServer(mesh, true));
        b.awaitPid();

        // Both sessions start together; their SessionStart hooks run before either server is up, and wait for it.
        CompletableFuture<HookRun> startA = CompletableFuture.supplyAsync(() -> hookOf(a, "session-start", "SessionStart"));
        CompletableFuture<HookRun> startB = CompletableFuture.supplyAsync(() -> hookOf(b, "session-start", "SessionStart"));
        Thread.sleep(300);
        assertEquals(0, peers(), "no hook claims a name: only servers do");

        // B's server happens to come up first.
        b.claude.release();
        b.peer = serverB.get(60, TimeUnit.SECONDS);
        a.claude.release();
        a.peer = serverA.get(60, TimeUnit.SECONDS);

        String nameA = self(a);
        String nameB = self(b);
        assertFalse(nameA.equals(nameB));
        assertTrue(startA.get(60, TimeUnit.SECONDS).additionalContext().contains("this session is peer '" + nameA + "'"));
        assertTrue(startB.get(60, TimeUnit.SECONDS).additionalContext().contains("this session is peer '" + nameB + "'"));
        assertEquals("2", mesh.row("SELECT count(*) FROM peers"), "still two peers");
        assertEquals("sess-A", mesh.row("SELECT session_id FROM peers WHERE name_key = '" + nameA + "'"));
        assertEquals("sess-B", mesh.row("SELECT session_id FROM peers WHERE name_key = '" + nameB + "'"));

        a.claude.stopServer();
        a.hook("session-end", "SessionEnd", Map.of("reason", "prompt_input_exit"));
        assertEquals("active", mesh.row("SELECT state FROM peers WHERE name_key = '" + nameB + "'"), "A's end leaves B's peer alone");
        assertEquals("offline", mesh.row("SELECT state FROM peers WHERE name_key = '" + nameA + "'"));
    }

    static HookRun hookOf(Session s, String command, String event) {
        try {
            return s.hook(command, event, Map.of("source", "startup"));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ helpers

    static String self(Session s) {
        return (String) s.peer.ok("list_peers", Map.of()).get("self");
    }

    /** How many peer rows there are (none before any server made the schema). */
    int peers() {
        try {
            return Integer.parseInt(mesh.row("SELECT count(*) FROM peers"));
        } catch (java.sql.SQLException noSchemaYet) {
            return 0;
        }
    }

}
