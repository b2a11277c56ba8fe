package dev.claudemesh.cli;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code claude-mesh} command line run as users run it, through {@code bin/claude-mesh}, on a temporary
 * mesh file shared with real server processes driven by the MCP SDK's client.
 */
class CliIT {
    private static final List<String> SUBCOMMANDS = List.of("status", "peers", "send", "ask", "tail", "gc", "demo", "install",
            "uninstall", "doctor", "init", "bench", "help");

    @TempDir
    Path tmp;
    MeshFixture mesh;
    private final List<Process> background = new ArrayList<>();

    @BeforeEach
    void start() {
        mesh = new MeshFixture(tmp);
    }

    @AfterEach
    void stop() {
        for (Process p : background) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        mesh.close();
    }

    // ------------------------------------------------------------------ help and usage

    @Test
    void helpWorksForTheTopCommandAndEverySubcommand() throws Exception {
        Run top = cli("--help");
        assertEquals(0, top.exit(), top.toString());
        assertTrue(top.out().startsWith("Usage: claude-mesh"), top.out());
        assertTrue(top.out().contains("Exit codes:"), top.out());

        List<String> listed = subcommandsIn(top.out());
        assertTrue(listed.containsAll(SUBCOMMANDS), "top-level help lists " + listed);

        List<Executable> checks = new ArrayList<>();
        for (String sub : listed) {
            Run r = cli(sub, "--help");
            checks.add(() -> assertEquals(0, r.exit(), sub + " --help: " + r));
            checks.add(() -> assertTrue(r.out().contains("Usage: claude-mesh " + sub), sub + " --help printed: " + r.out()));
        }
        assertAll(checks);
        assertFalse(Files.exists(mesh.db), "help must not create the mesh database");
    }

    @Test
    void badUsageExitsTwo() throws Exception {
        for (List<String> args : List.of(
                List.of("ask"),
                List.of("gc", "--keep-days", "-1"),
                List.of("gc", "--keep-days", "soon"),
                List.of("tail", "--count", "many"),
                List.of("peers", "--no-such-option"),
                List.of("no-such-command"))) {
            Run r = cli(args.toArray(String[]::new));
            assertEquals(2, r.exit(), args + ": " + r);
            assertFalse(r.err().isBlank(), args + " should say what is wrong on stderr");
            assertEquals("", r.out(), args + " should print nothing on stdout");
        }
        Run gc = cli("gc", "--keep-days", "-1");
        assertTrue(gc.err().contains("--keep-days must be 0 or more"), gc.err());
    }

    @Test
    void aPeerWithoutAMessageOrQuestionIsBadUsage() throws Exception {
        for (String command : List.of("send", "ask")) {
            Run r = cli(command, "backend");
            assertEquals(2, r.exit(), command + " backend: " + r);
            assertFalse(r.err().contains("Exception"), command + " backend leaked a stack trace: " + r.err());
            assertTrue(r.err().contains("Usage: claude-mesh " + command), r.err());
        }
    }

    @Test
    void negativeKeepDaysShowsTheFullCommandInItsUsage() throws Exception {
        Run r = cli("gc", "--keep-days", "-1");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("Usage: claude-mesh gc"), r.err());
    }

    // ------------------------------------------------------------------ status and peers

    @Test
    void statusPrintsTheDatabaseSchemaPeersByStateAndQueuedMail() throws Exception {
        Peer frontend = mesh.server(mesh.project("frontend"));
        mesh.server(mesh.project("backend"));
        Peer infra = mesh.server(mesh.project("infra"));
        infra.client().closeGracefully();
        awaitServerGone("infra");
        assertEquals("queued", frontend.ok("tell_peer", Map.of("to", "infra", "message", "for later")).get("status"));

        Run r = cli("status");

        assertEquals(0, r.exit(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(List.of(
                "database: " + mesh.where(),
                "schema:   version 3",
                "active:   2  (backend, frontend)",
                "stale:    0",
                "offline:  1  (infra)",
                "queued:   1  {infra=1}"), lines);
        assertEquals("", r.err());
    }

    @Test
    void peersListsActiveServersAndAllAlsoListsOfflineOnes() throws Exception {
        mesh.server(mesh.project("backend"));
        Peer infra = mesh.server(mesh.project("infra"));
        infra.client().closeGracefully();
        awaitServerGone("infra");

        Run active = cli("peers");
        Run all = cli("peers", "--all");

        assertEquals(0, active.exit(), active.toString());
        assertEquals(Map.of("backend", "active"), peerStatuses(active.out()));
        assertTrue(active.out().contains(mesh.project("backend").toRealPath().toString()), active.out());
        assertEquals(0, all.exit(), all.toString());
        assertEquals(Map.of("backend", "active", "infra", "offline"), peerStatuses(all.out()));
    }

    // ------------------------------------------------------------------ send

    @Test
    void sendDeliversAMessageFromCliToTheServersInbox() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));

        Run r = cli("send", "backend", "hello");

        assertEquals(0, r.exit(), r.toString());
        Matcher m = Pattern.compile("(m_[0-9a-f]{12}) sent").matcher(r.out().strip());
        assertTrue(m.matches(), "send printed: " + r.out());
        List<Map<String, Object>> items = backend.inbox();
        assertEquals(1, items.size(), items.toString());
        Map<String, Object> item = items.get(0);
        assertEquals(m.group(1), item.get("id"));
        assertEquals("message", item.get("kind"));
        assertEquals("cli", item.get("from"));
        assertEquals("hello", item.get("body"));
    }

    @Test
    void sendToAnUnknownPeerExitsOneWithOneStderrLineNamingIt() throws Exception {
        mesh.server(mesh.project("backend"));

        Run r = cli("send", "nobody", "hi");

        assertEquals(1, r.exit(), r.toString());
        List<String> errLines = r.err().lines().filter(l -> !l.isBlank()).toList();
        assertEquals(1, errLines.size(), "stderr: " + r.err());
        assertTrue(errLines.get(0).contains("'nobody'"), errLines.get(0));
        assertEquals("", r.out());
        assertEquals(0, count("SELECT count(*) FROM inbox"), "nothing was stored");
    }

    // ------------------------------------------------------------------ ask

    @Test
    void askPrintsTheAnswerTheServerRepliesWith() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));
        Background ask = cliInBackground("ask", "backend", "Which", "port?");

        Map<String, Object> q = backend.awaitItem("question");
        assertEquals("cli", q.get("from"));
        assertEquals("Which port?", q.get("body"), "the question's words are joined with spaces");
        backend.ok("reply_to_peer", Map.of("question_id", q.get("id"), "answer", "8080 in dev"));
        Run r = ask.await();

        assertEquals(0, r.exit(), r.toString());
        assertEquals("8080 in dev\n", r.out());
        assertEquals("answered", questionStatus((String) q.get("id")));
    }

    @Test
    void askWithNoReplyExitsThreeWhenItsTimeoutRunsOut() throws Exception {
        mesh.server(mesh.project("backend"));

        Run r = cli("ask", "backend", "anyone", "--timeout", "1");

        assertEquals(3, r.exit(), r.toString());
        assertEquals("", r.out(), "no answer, nothing on stdout");
        assertTrue(r.err().contains("timed_out"), r.err());
        assertEquals(List.of("expired"), strings("SELECT status FROM questions"));
    }

    // ------------------------------------------------------------------ tail

    @Test
    void tailPrintsOneLinePerEventInOrder() throws Exception {
        Peer frontend = mesh.server(mesh.project("frontend"));
        Peer backend = mesh.server(mesh.project("backend"));
        Background tail = cliInBackground("tail", "--count", "3");
        awaitFollowing(tail);

        frontend.ok("tell_peer", Map.of("to", "backend", "message", "build is green"));
        CompletableFuture<Map<String, Object>> ask = CompletableFuture.supplyAsync(() ->
                frontend.ok("ask_peer", Map.of("to", "backend", "question", "Which port?", "timeout_seconds", 60)));
        Map<String, Object> q = backend.awaitItem("question");
        backend.ok("reply_to_peer", Map.of("question_id", q.get("id"), "answer", "8080"));
        assertEquals("answered", ask.get(60, TimeUnit.SECONDS).get("status"));
        Run r = tail.await();

        assertEquals(0, r.exit(), "tail --count 3 should stop by itself after 3 lines: " + r);
        List<String> lines = r.out().lines().toList();
        assertEquals(3, lines.size(), r.out());
        String time = "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ";
        assertTrue(lines.get(0).matches(time + "message\\s+m_[0-9a-f]{12} frontend -> backend: build is green"), lines.get(0));
        assertTrue(lines.get(1).matches(time + "question\\s+" + q.get("id") + " frontend -> backend: Which port\\?"), lines.get(1));
        assertTrue(lines.get(2).matches(time + "reply\\s+" + q.get("id") + " backend -> frontend: 8080"), lines.get(2));
    }

    @Test
    void tailShowsAReplyWhoseCommitHadToWaitForTheWriteLock() throws Exception {
        Peer frontend = mesh.server(mesh.project("frontend"));
        Peer backend = mesh.server(mesh.project("backend"));
        Background tail = cliInBackground("tail", "--count", "2");
        awaitFollowing(tail);
        CompletableFuture<Map<String, Object>> ask = CompletableFuture.supplyAsync(() ->
                frontend.ok("ask_peer", Map.of("to", "backend", "question", "Which port?", "timeout_seconds", 60)));
        Map<String, Object> q = backend.awaitItem("question");

        CompletableFuture<Map<String, Object>> reply;
        try (var writer = mesh.connect()) {
            mesh.takeWriteLock(writer);
            reply = CompletableFuture.supplyAsync(() ->
                    backend.ok("reply_to_peer", Map.of("question_id", q.get("id"), "answer", "8080")));
            Thread.sleep(2500); // the reply waits for the lock; tail wakes up and reads meanwhile
            mesh.releaseWriteLock(writer);
        }
        assertEquals("delivered", reply.get(30, TimeUnit.SECONDS).get("status"));
        assertEquals("answered", ask.get(60, TimeUnit.SECONDS).get("status"));
        Run r = tail.await();

        assertEquals(0, r.exit(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(1).contains("reply") && lines.get(1).endsWith("backend -> frontend: 8080"), r.out());
    }

    // ------------------------------------------------------------------ gc

    @Test
    void gcReapsAServerKilledWithSigkillAndPeersAllShowsItOffline() throws Exception {
        mesh.server(mesh.project("backend"));
        mesh.server(mesh.project("infra"));
        kill9(serverPid("infra"));
        assertEquals("active", state("infra"), "precondition: a killed server could not say goodbye");

        Run gc = cli("gc");

        assertEquals(0, gc.exit(), gc.toString());
        assertTrue(gc.out().lines().anyMatch(l -> l.matches("peers reaped:\\s+1\\s+\\[infra]")), gc.out());
        assertEquals("offline", state("infra"));
        assertEquals("active", state("backend"));
        Run all = cli("peers", "--all");
        assertEquals(Map.of("backend", "active", "infra", "offline"), peerStatuses(all.out()));
        Run again = cli("gc");
        assertTrue(again.out().lines().anyMatch(l -> l.matches("peers reaped:\\s+0")), again.out());
    }

    @Test
    void gcKeepDaysZeroPrunesDeliveredHistoryButQueuedMailSurvivesForTheNextServer() throws Exception {
        Peer frontend = mesh.server(mesh.project("frontend"));
        Peer backend = mesh.server(mesh.project("backend"));
        Peer infra = mesh.server(mesh.project("infra"));
        String delivered = (String) frontend.ok("tell_peer", Map.of("to", "backend", "message", "read at once")).get("message_id");
        assertEquals(1, backend.inbox().size());
        infra.client().closeGracefully();
        awaitServerGone("infra");
        Map<String, Object> sent = frontend.ok("tell_peer", Map.of("to", "infra", "message", "for the next infra"));
        assertEquals("queued", sent.get("status"));
        String queued = (String) sent.get("message_id");

        Run gc = cli("gc", "--keep-days", "0");

        assertEquals(0, gc.exit(), gc.toString());
        assertTrue(gc.out().lines().anyMatch(l -> l.matches("history rows pruned:\\s+1")), gc.out());
        assertEquals(List.of(), strings("SELECT id FROM inbox WHERE id = '" + delivered + "'"), "delivered history is pruned");
        assertEquals(List.of(queued), strings("SELECT id FROM inbox WHERE state IN ('queued', 'offered')"), "queued mail survives");
        assertEquals("offline", state("infra"), "a peer with mail waiting is not deleted");

        Peer nextInfra = mesh.server(mesh.project("infra"));
        List<Map<String, Object>> items = nextInfra.inbox();
        assertEquals(1, items.size(), items.toString());
        assertEquals(queued, items.get(0).get("id"));
        assertEquals("frontend", items.get(0).get("from"));
        assertEquals("for the next infra", items.get(0).get("body"));
    }

    // ------------------------------------------------------------------ running the CLI

    record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** A CLI process started in the background, its output going to files. */
    final class Background {
        final Process process;
        final Path out;
        final Path err;

        Background(Process process, Path out, Path err) {
            this.process = process;
            this.out = out;
            this.err = err;
        }

        Run await() throws Exception {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("claude-mesh did not finish within 60 s; so far:\n" + snapshot(-1));
            }
            return snapshot(process.exitValue());
        }

        Run snapshot(int exit) throws IOException {
            return new Run(exit, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        }
    }

    private int runs;

    Background cliInBackground(String... args) throws IOException {
        Path cwd = Files.createDirectories(tmp.resolve("cli-cwd"));
        int n = ++runs;
        Path out = tmp.resolve("cli-" + n + ".out");
        Path err = tmp.resolve("cli-" + n + ".err");
        List<String> cmd = new ArrayList<>();
        cmd.add(MeshFixture.bin("claude-mesh").toString());
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().remove("CLAUDE_MESH_PROJECT_PATH");
        pb.environment().remove("CLAUDE_PROJECT_DIR");
        pb.environment().putAll(mesh.dbEnv());
        Process p = pb.start();
        background.add(p);
        return new Background(p, out, err);
    }

    Run cli(String... args) throws Exception {
        return cliInBackground(args).await();
    }

    private static List<String> subcommandsIn(String help) {
        List<String> names = new ArrayList<>();
        boolean inCommands = false;
        for (String line : help.lines().toList()) {
            if (line.equals("Commands:")) {
                inCommands = true;
            } else if (inCommands && (line.isBlank() || !line.startsWith(" "))) {
                break;
            } else if (inCommands) {
                Matcher m = Pattern.compile("^  ([a-z][a-z-]*)\\s.*").matcher(line);
                if (m.matches()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    /** name -> status from 'peers' output (one peer per line: name, status, last seen, project). */
    private static Map<String, String> peerStatuses(String out) {
        Map<String, String> m = new java.util.TreeMap<>();
        out.lines().filter(l -> !l.isBlank()).forEach(l -> {
            String[] f = l.trim().split("\\s+");
            m.put(f[0], f[1]);
        });
        return m;
    }

    /**
     * Waits until tail has read where the mesh's history ends and is watching for changes: it then holds a
     * second connection to the database (its change watcher), opened only after that read. Without /proc to
     * look at, it waits a few seconds.
     */
    /** On PostgreSQL tail follows once its process has a connection that ran LISTEN. */
    private void awaitListening(Background tail) throws Exception {
        for (int i = 0; i < 600; i++) {
            if (!tail.process.isAlive()) {
                throw new AssertionError("tail exited early: " + tail.snapshot(tail.process.exitValue()));
            }
            if (count("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'claude-mesh pid "
                    + tail.process.pid() + "' AND query LIKE 'LISTEN%'") > 0) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("tail never started listening");
    }

    private void awaitFollowing(Background tail) throws Exception {
        if (mesh.dbUrl.isPresent()) {
            awaitListening(tail);
            return;
        }
        Path fds = Path.of("/proc", String.valueOf(tail.process.pid()), "fd");
        if (!Files.isDirectory(fds)) {
            Thread.sleep(5000);
            return;
        }
        Path db = mesh.db.toRealPath();
        for (int i = 0; i < 600; i++) {
            if (!tail.process.isAlive()) {
                throw new AssertionError("tail exited early: " + tail.snapshot(tail.process.exitValue()));
            }
            long open = 0;
            try (Stream<Path> s = Files.list(fds)) {
                for (Path fd : s.toList()) {
                    try {
                        if (Files.readSymbolicLink(fd).equals(db)) {
                            open++;
                        }
                    } catch (IOException ignored) {
                        // descriptor closed while we looked
                    }
                }
            } catch (IOException ignored) {
                // process state changed while listing
            }
            if (open >= 2) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("tail never opened its change watcher on " + db);
    }

    // ------------------------------------------------------------------ servers and the database

    /** Polls the server's inbox until an item of {@code kind} arrives (others are skipped). */

    /** Waits until the server that holds {@code name} has exited (closing its client ends it). */
    private void awaitServerGone(String name) throws Exception {
        long pid = serverPid(name);
        for (int i = 0; i < 600; i++) {
            if (ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the server of " + name + " (pid " + pid + ") is still running");
    }

    private String state(String name) throws Exception {
        List<String> s = strings("SELECT state FROM peers WHERE name_key = '" + name + "'");
        return s.isEmpty() ? null : s.get(0);
    }

    private String questionStatus(String id) throws Exception {
        List<String> s = strings("SELECT status FROM questions WHERE id = '" + id + "'");
        return s.isEmpty() ? null : s.get(0);
    }

    private long serverPid(String name) throws Exception {
        return Long.parseLong(strings("SELECT server_pid FROM peers WHERE name_key = '" + name + "'").get(0));
    }

    /** SIGKILL for a server this test started (it must be one of this JVM's descendants). */
    private static void kill9(long pid) throws Exception {
        ProcessHandle h = ProcessHandle.current().descendants().filter(d -> d.pid() == pid).findFirst()
                .orElseThrow(() -> new AssertionError("pid " + pid + " is not a server this test started"));
        assertTrue(h.destroyForcibly(), "could not kill " + pid);
        h.onExit().get(30, TimeUnit.SECONDS);
    }

    private List<String> strings(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (var c = mesh.connect();
             var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private long count(String sql) throws Exception {
        return Long.parseLong(strings(sql).get(0));
    }
}
