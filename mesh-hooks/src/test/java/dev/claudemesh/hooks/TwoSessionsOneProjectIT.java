package dev.claudemesh.hooks;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.HookRun;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.claudemesh.testing.MeshFixture.hookJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two Claude Code sessions in one project directory are two peers (backend and backend-2), and every hook
 * finds its own session's peer. Hooks tell sessions apart by which peer's recorded Claude Code process (the
 * server's parent) is one of their ancestors, so each session here is a real stand-in for a Claude Code
 * process: a bash script that runs bin/claude-mesh-server as its child, passing its stdio through to the
 * MCP client, and runs hook commands as its own descendants when asked through a FIFO.
 */
class TwoSessionsOneProjectIT {
    /**
     * usage: fake-claude.sh SERVER BIN_DIR WORK_DIR [hold]. Writes its pid to WORK_DIR/pid, then runs each line
     * "ID HOOK" read from the FIFO WORK_DIR/requests as BIN_DIR/claude-mesh-HOOK < ID.in > ID.out 2> ID.err,
     * writing the exit code to ID.rc last. With "hold" it starts the server only once WORK_DIR/go exists.
     */
    static final String FAKE_CLAUDE = """
            #!/usr/bin/env bash
            server="$1"; bin="$2"; work="$3"; hold="${4:-}"
            echo $$ > "$work/pid.tmp" && mv "$work/pid.tmp" "$work/pid"
            exec 3<>"$work/requests"   # held open read-write: writers never block, reads never see end of file
            (
              exec </dev/null >/dev/null
              while read -r id hook <&3; do
                case "$hook" in session-start|inbox-poll|session-end) ;; *) echo "fake-claude: bad hook '$hook'" >&2; continue ;; esac
                "$bin/claude-mesh-$hook" <"$work/$id.in" >"$work/$id.out" 2>"$work/$id.err" 3<&-
                echo $? >"$work/$id.rc.tmp" && mv "$work/$id.rc.tmp" "$work/$id.rc"
              done
            ) &
            loop=$!
            trap 'kill "$loop" 2>/dev/null' EXIT
            trap 'exit 143' TERM
            if [ "$hold" = hold ]; then
              while [ ! -e "$work/go" ]; do sleep 0.02; done
            fi
            "$server" 3<&-   # a child, not exec: this process stays the server's parent
            exit $?
            """;

    @TempDir
    Path tmp;
    MeshFixture mesh;
    Path backendDir;
    Path script;
    final List<Session> sessions = new ArrayList<>();
    final AtomicInteger requests = new AtomicInteger();

    /** One stand-in Claude Code process, its server's MCP client (once up), and where its hooks' output goes. */
    final class Session {
        final String label;
        final Path work;
        Peer peer;
        long pid;

        Session(String label) throws Exception {
            this.label = label;
            this.work = Files.createDirectories(tmp.resolve("claude-" + label));
            Process mkfifo = new ProcessBuilder("mkfifo", work.resolve("requests").toString()).inheritIO().start();
            assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");
        }

        List<String> args(boolean hold) {
            List<String> args = new ArrayList<>(List.of(script.toString(), MeshFixture.bin("claude-mesh-server").toString(),
                    MeshFixture.bin("claude-mesh-server").getParent().toString(), work.toString()));
            if (hold) {
                args.add("hold");
            }
            return args;
        }

        long awaitPid() throws Exception {
            Path file = work.resolve("pid");
            for (int i = 0; i < 3000 && !Files.exists(file); i++) {
                Thread.sleep(10);
            }
            pid = Long.parseLong(Files.readString(file).strip());
            return pid;
        }

        /** Runs a hook as this session's descendant, with Claude Code's JSON for {@code event} on stdin. */
        HookRun hook(String command, String event, Map<String, Object> extra) throws Exception {
            int id = requests.incrementAndGet();
            Files.writeString(work.resolve(id + ".in"), hookJson(event, "sess-" + label, backendDir, extra));
            try (OutputStream fifo = Files.newOutputStream(work.resolve("requests"), StandardOpenOption.WRITE)) {
                fifo.write((id + " " + command + "\n").getBytes(StandardCharsets.UTF_8));
            }
            Path rc = work.resolve(id + ".rc");
            for (int i = 0; i < 3000 && !Files.exists(rc); i++) {
                Thread.sleep(20);
            }
            assertTrue(Files.exists(rc), command + " in session " + label + " did not finish within 60 s");
            HookRun r = new HookRun(Integer.parseInt(Files.readString(rc).strip()),
                    Files.readString(work.resolve(id + ".out")), Files.readString(work.resolve(id + ".err")));
            assertEquals(0, r.exitCode(), "hooks always exit 0; stderr: " + r.stderr());
            return r;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        mesh = new MeshFixture(tmp);
        backendDir = mesh.project("backend");
        script = tmp.resolve("fake-claude.sh");
        Files.writeString(script, FAKE_CLAUDE);
    }

    @AfterEach
    void tearDown() {
        List<ProcessHandle> started = new ArrayList<>();
        for (Session s : sessions) {
            if (s.pid != 0) {
                ProcessHandle.of(s.pid).ifPresent(h -> {
                    started.add(h);
                    h.descendants().forEach(started::add);
                });
            }
        }
        mesh.close();
        for (ProcessHandle h : started) {
            h.destroyForcibly();
        }
        for (ProcessHandle h : started) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // it is being killed; nothing more to do
            }
        }
    }

    /** A session whose server is up (handshake done). */
    Session session(String label) throws Exception {
        Session s = new Session(label);
        sessions.add(s);
        s.peer = mesh.serverVia(backendDir, "bash", s.args(false));
        s.awaitPid();
        return s;
    }

    @Test
    void twoSessionsInOneProjectAreTwoPeersAndEachSessionStartRecordsItsOwnSessionId() throws Exception {
        Session a = session("A");
        Session b = session("B");
        assertEquals("backend", self(a));
        assertEquals("backend-2", self(b));
        assertEquals(String.valueOf(a.pid), row("SELECT claude_pid FROM peers WHERE name_key = 'backend'"),
                "backend's Claude Code process is session A's stand-in");
        assertEquals(String.valueOf(b.pid), row("SELECT claude_pid FROM peers WHERE name_key = 'backend-2'"));

        String ctxB = b.hook("session-start", "SessionStart", Map.of("source", "startup")).additionalContext();
        String ctxA = a.hook("session-start", "SessionStart", Map.of("source", "startup")).additionalContext();
        assertTrue(ctxB.contains("this session is peer 'backend-2'"), ctxB);
        assertTrue(ctxA.contains("this session is peer 'backend'"), ctxA);
        assertEquals("sess-A", row("SELECT session_id FROM peers WHERE name_key = 'backend'"));
        assertEquals("sess-B", row("SELECT session_id FROM peers WHERE name_key = 'backend-2'"));
        assertEquals("2", row("SELECT count(*) FROM peers"), "no third peer was made");
    }

    @Test
    void aQuestionForTheSecondSessionReachesOnlyThatSessionsHooks() throws Exception {
        Session a = session("A");
        Session b = session("B");
        Peer frontend = mesh.server(mesh.project("frontend"));
        CompletableFuture<Map<String, Object>> ask = CompletableFuture.supplyAsync(() ->
                frontend.ok("ask_peer", Map.of("to", "backend-2", "question", "Q-FOR-B: which queue do you consume?", "timeout_seconds", 120)));
        String qid = awaitPending("backend-2");

        assertEquals("", a.hook("inbox-poll", "UserPromptSubmit", Map.of("prompt", "hi")).stdout(),
                "session A's prompt must not bring in backend-2's question");
        assertEquals("", a.hook("inbox-poll", "Stop", Map.of("stop_hook_active", false)).stdout(),
                "session A's stop must not be blocked by backend-2's question");

        String ctx = b.hook("inbox-poll", "UserPromptSubmit", Map.of("prompt", "hi")).additionalContext();
        assertTrue(ctx.contains("you are 'backend-2'"), ctx);
        assertTrue(ctx.contains("question_id=\"" + qid + "\""), ctx);
        assertTrue(ctx.contains("Q-FOR-B: which queue do you consume?"), ctx);
        HookRun stopB = b.hook("inbox-poll", "Stop", Map.of("stop_hook_active", false));
        assertEquals("block", stopB.json().get("decision"), stopB.stdout());
        assertTrue(((String) stopB.json().get("reason")).contains(qid), stopB.stdout());

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

        b.hook("session-end", "SessionEnd", Map.of("reason", "prompt_input_exit"));

        assertEquals("active", row("SELECT state FROM peers WHERE name_key = 'backend'"));
        assertEquals("offline", row("SELECT state FROM peers WHERE name_key = 'backend-2'"));
        assertEquals("active", statusSeenBy(frontend, "backend"));
        assertEquals("offline", statusSeenBy(frontend, "backend-2"));
        assertEquals("backend", self(a), "session A's server is untouched");
    }

    @Test
    void hooksThatRunBeforeTheirServersStillEndUpOnTheirOwnSessionsPeerWhicheverServerStartsFirst() throws Exception {
        Session a = new Session("A");
        Session b = new Session("B");
        sessions.add(a);
        sessions.add(b);
        CompletableFuture<Peer> serverA = CompletableFuture.supplyAsync(() -> mesh.serverVia(backendDir, "bash", a.args(true)));
        a.awaitPid();
        CompletableFuture<Peer> serverB = CompletableFuture.supplyAsync(() -> mesh.serverVia(backendDir, "bash", b.args(true)));
        b.awaitPid();

        // Both sessions start together; their SessionStart hooks run before either server is up.
        a.hook("session-start", "SessionStart", Map.of("source", "startup"));
        b.hook("session-start", "SessionStart", Map.of("source", "startup"));
        assertEquals("sess-A", row("SELECT session_id FROM peers WHERE name_key = 'backend'"));
        assertEquals("sess-B", row("SELECT session_id FROM peers WHERE name_key = 'backend-2'"));

        // B's server happens to come up first.
        Files.createFile(b.work.resolve("go"));
        b.peer = serverB.get(60, TimeUnit.SECONDS);
        Files.createFile(a.work.resolve("go"));
        a.peer = serverA.get(60, TimeUnit.SECONDS);

        assertEquals("2", row("SELECT count(*) FROM peers"), "still two peers");
        String nameA = self(a);
        String nameB = self(b);
        assertFalse(nameA.equals(nameB));
        String sessionOfA = row("SELECT session_id FROM peers WHERE name_key = '" + nameA + "'");
        String sessionOfB = row("SELECT session_id FROM peers WHERE name_key = '" + nameB + "'");

        a.hook("session-end", "SessionEnd", Map.of("reason", "prompt_input_exit"));
        assertEquals("active", row("SELECT state FROM peers WHERE name_key = '" + nameB + "'"),
                "A's SessionEnd must leave B's peer (" + nameB + ", session " + sessionOfB + ") alone");
        assertEquals("offline", row("SELECT state FROM peers WHERE name_key = '" + nameA + "'"),
                "A's SessionEnd ends A's peer (" + nameA + ", session " + sessionOfA + ")");
        assertEquals("sess-A", sessionOfA, "session A's peer (" + nameA + ", the one its server holds) records session A's id");
        assertEquals("sess-B", sessionOfB, "session B's peer (" + nameB + ") records session B's id");
    }

    // ------------------------------------------------------------------ helpers

    static String self(Session s) {
        return (String) s.peer.ok("list_peers", Map.of()).get("self");
    }

    @SuppressWarnings("unchecked")
    static String statusSeenBy(Peer viewer, String name) {
        List<Map<String, Object>> peers = (List<Map<String, Object>>) viewer.ok("list_peers", Map.of("include_stale", true)).get("peers");
        return peers.stream().filter(p -> name.equals(p.get("name"))).map(p -> (String) p.get("status")).findFirst().orElse(null);
    }

    String awaitPending(String target) throws Exception {
        for (int i = 0; i < 1500; i++) {
            String id = row("SELECT id FROM questions WHERE target_key = '" + target + "' AND status = 'pending'");
            if (id != null) {
                return id;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no pending question for " + target);
    }

    String row(String sql) throws IOException {
        try (var c = mesh.connect();
             var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        } catch (java.sql.SQLException e) {
            throw new IOException(e);
        }
    }
}
