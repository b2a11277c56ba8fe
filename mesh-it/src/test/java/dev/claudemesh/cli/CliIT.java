package dev.claudemesh.cli;

import dev.claudemesh.config.HostName;
import dev.claudemesh.testing.MeshCli;
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
    private static final List<String> SUBCOMMANDS = List.of("status", "peers", "send", "ask", "reply", "broadcast", "delegate",
            "tasks", "tail", "gc", "demo", "install",
            "uninstall", "doctor", "init", "bench", "completion", "help");

    /** The name the command line speaks as on this machine: cli@ and the host name, as a peer name may not be. */
    static final String CLI = "cli@" + java.util.Optional.ofNullable(System.getenv("MESH_HOST_NAME")).filter(h -> !h.isBlank())
            .map(String::trim).orElse(HostName.ofMachine()).replaceAll("[^A-Za-z0-9.-]+", "-");

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
    void helpIsWrappedAtSpacesNeverInsideAPathOrAnOption() throws Exception {
        List<Executable> checks = new ArrayList<>();
        for (String sub : SUBCOMMANDS) {
            Run r = cli(sub, "--help");
            for (String line : r.out().lines().toList()) {
                checks.add(() -> assertTrue(line.length() <= 80 || !line.strip().contains(" "), sub + " --help, too wide: " + line));
            }
        }
        Run bench = cli("bench", "--help");
        checks.add(() -> assertEquals(bench.out().split("benchmarks\\.", -1).length, bench.out().split("benchmarks\\.md", -1).length,
                "bench --help cut docs/benchmarks.md:\n" + bench.out()));
        Run install = cli("install", "--help");
        for (String whole : List.of("~/.claude.json", "~/.claude/settings.json", "FILE.claude-mesh-backup", ".claude/settings.json",
                "mcpServers.claude-mesh", "claude-mesh-inbox-wait,", "--wake-only")) {
            checks.add(() -> assertTrue(install.out().contains(whole), "install --help cut '" + whole + "':\n" + install.out()));
        }
        assertAll(checks);
    }

    @Test
    void theDemoPrintsToolResultsAsJson() throws Exception {
        Run r = cli("demo");

        assertEquals(0, r.exit(), r.toString());
        String peers = r.out().lines().filter(l -> l.startsWith("[frontend] list_peers")).findFirst().orElseThrow();
        String reply = r.out().lines().filter(l -> l.startsWith("[backend]  reply_to_peer")).findFirst().orElseThrow();
        var listed = MeshFixture.JSON.readTree(peers.substring(peers.indexOf("-> ") + 3));
        var delivered = MeshFixture.JSON.readTree(reply.substring(reply.indexOf("-> ") + 3));
        assertEquals("frontend", listed.path("self").asText(), peers);
        assertEquals("backend", listed.path("peers").path(0).path("name").asText(), peers);
        assertEquals("delivered", delivered.path("status").asText(), reply);
        assertFalse(r.out().contains("=delivered") || r.out().contains("{self="), "no Java map toString: " + r.out());
    }

    @Test
    void badUsageExitsTwo() throws Exception {
        for (List<String> args : List.of(
                List.of("ask"),
                List.of("gc", "--keep-days", "-1"),
                List.of("gc", "--keep-days", "soon"),
                List.of("tail", "--count", "many"),
                List.of("tail", "-n", "-1"),
                List.of("tail", "-n", "3", "--from-start"),
                List.of("peers", "--no-such-option"),
                List.of("ask", "backend", "hi", "--timeout", "0"),
                List.of("ask", "backend", "hi", "--timeout", "3601"),
                List.of("ask", "../etc", "hi"),
                List.of("send", "back end", "hi"),
                List.of("send", "backend", "hi", "--as", "not/a/name"),
                List.of("doctor", "--timeout", "0"),
                List.<String>of(),
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
    void noCommandPrintsUsageOnStderrAndExitsTwo() throws Exception {
        Run r = cli();
        assertEquals(2, r.exit(), r.toString());
        assertEquals("", r.out());
        assertTrue(r.err().contains("Usage: claude-mesh"), r.err());
        assertTrue(r.err().contains("name a command"), r.err());
    }

    @Test
    void usageErrorsNameTheOptionAsItWasTypedNeverAToolArgument() throws Exception {
        mesh.server(mesh.project("backend"));
        Run longName = cli("ask", "backend", "hi", "--timeout", "0");
        Run shortName = cli("ask", "backend", "hi", "-t", "7200");
        Run badPeer = cli("ask", "../etc", "hi");
        Run badAs = cli("send", "backend", "hi", "--as", "two words");
        Run doctor = cli("doctor", "--timeout", "0");

        assertTrue(longName.err().startsWith("--timeout must be between 1 and 3600 seconds (got 0)"), longName.err());
        assertTrue(shortName.err().startsWith("-t must be between 1 and 3600 seconds (got 7200)"), shortName.err());
        assertTrue(badPeer.err().startsWith("PEER: peer name '../etc' may hold only letters"), badPeer.err());
        assertTrue(badAs.err().startsWith("--as: peer name 'two words' may hold only letters"), badAs.err());
        assertTrue(doctor.err().startsWith("--timeout must be 1 second or more (got 0)"), doctor.err());
        for (Run r : List.of(longName, shortName, badPeer, badAs, doctor)) {
            assertEquals(2, r.exit(), r.toString());
            assertFalse(r.err().contains("timeout_seconds") || r.err().contains("'to'"), r.err());
        }
        assertEquals(0, count("SELECT count(*) FROM questions"), "nothing was asked");
    }

    @Test
    void refusalsSpeakTheCommandLinesLanguageNotTheTools() throws Exception {
        Peer infra = mesh.server(mesh.project("infra"));
        infra.client().closeGracefully();
        awaitServerGone("infra");

        Run unknown = cli("send", "nobody", "hi");
        Run offline = cli("ask", "infra", "are you there?");

        assertEquals(1, unknown.exit(), unknown.toString());
        assertEquals("claude-mesh: no peer named 'nobody' in the mesh; `claude-mesh peers --all` lists every name it knows\n",
                unknown.err());
        assertEquals(1, offline.exit(), offline.toString());
        assertTrue(offline.err().startsWith("claude-mesh: 'infra' is offline, so nobody would answer; `claude-mesh peers` "), offline.err());
        for (Run r : List.of(unknown, offline)) {
            assertFalse(r.err().contains("list_peers") || r.err().contains("include_stale"), r.err());
        }
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
                "schema:   version 4",
                ".env:     none (no .env above the installation; the environment and defaults apply)",
                "active:   2  (backend, frontend)",
                "stale:    0",
                "offline:  1  (infra)",
                "queued:   1  (infra 1)"), lines);
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

    @Test
    void peersPrintsAHeaderAndSaysWhenThereIsNobody() throws Exception {
        Run empty = cli("peers");
        assertEquals(0, empty.exit(), empty.toString());
        assertEquals("No peers: no session has joined this mesh (" + mesh.where() + ") yet.\n", empty.out());

        Peer infra = mesh.server(mesh.project("infra"));
        infra.client().closeGracefully();
        awaitServerGone("infra");
        Run noneActive = cli("peers");
        assertEquals("No active peers; 1 stale or offline one (claude-mesh peers --all lists them).\n", noneActive.out());

        mesh.server(mesh.project("backend"));
        Run some = cli("peers");
        assertTrue(some.out().lines().findFirst().orElse("").matches("NAME\\s+STATUS\\s+LAST SEEN \\(UTC\\)\\s+HOST\\s+PROJECT\\s+SUMMARY"),
                some.out());
        assertEquals(Map.of("backend", "active"), peerStatuses(some.out()));
    }

    @Test
    void theDefaultDatabaseIsUnderHomeNotJavasUserHome() throws Exception {
        Path home = Files.createDirectories(tmp.resolve("another-home"));
        Path javaHome = Files.createDirectories(tmp.resolve("java-user-home"));
        Map<String, String> env = new java.util.HashMap<>();
        env.put("HOME", home.toString());
        env.put("MESH_DB_PATH", null);
        env.put("MESH_DB_URL", ""); // the default file, whichever backend this run tests
        env.put("CLAUDE_MESH_JAVA_OPTS", "-Duser.home=" + javaHome);

        Run r = cli(env, "status");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().startsWith("database: " + home.resolve(".claude-mesh/mesh.db") + "\n"), r.out());
        try (Stream<Path> files = Files.list(javaHome)) {
            assertEquals(List.of(), files.toList(), "nothing is made under Java's user.home");
        }
    }

    @Test
    void withoutHomeTheCliSaysSoAndExitsOne() throws Exception {
        Path javaHome = Files.createDirectories(tmp.resolve("java-user-home"));
        Map<String, String> env = new java.util.HashMap<>();
        env.put("HOME", null);
        env.put("MESH_DB_PATH", null);
        env.put("CLAUDE_MESH_JAVA_OPTS", "-Duser.home=" + javaHome); // watched: no fallback to it
        Run r = cli(env, "peers");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("claude-mesh: HOME is not set"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        try (Stream<Path> files = Files.list(javaHome)) {
            assertEquals(List.of(), files.toList());
        }
    }

    @Test
    void statusAndDoctorSayWhichDotEnvIsUsedAndAnyOtherUsersCanWriteIsIgnored() throws Exception {
        Path install = MeshCli.copyInstallation(tmp.resolve("install"));
        Path dotEnv = install.resolve(".env");
        Path elsewhere = tmp.resolve("from-dotenv.db");
        Files.writeString(dotEnv, "MESH_DB_PATH=" + elsewhere + "\n");
        Files.setPosixFilePermissions(dotEnv, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        Map<String, String> env = new java.util.HashMap<>();
        env.put("MESH_DB_PATH", null);
        env.put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
        env.put("CLAUDE_MESH_NO_CACHE", "1");

        MeshCli.Run used = MeshCli.runLauncher(install.resolve("bin/claude-mesh"), tmp, env, "status");
        Files.setPosixFilePermissions(dotEnv, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        MeshCli.Run ignored = MeshCli.runLauncher(install.resolve("bin/claude-mesh"), tmp, env, "status");

        assertEquals(0, used.exit(), used.toString());
        assertTrue(used.out().startsWith("database: " + elsewhere + "\n"), used.out());
        assertTrue(used.out().contains("\n.env:     " + dotEnv + "\n"), used.out());
        assertEquals(0, ignored.exit(), ignored.toString());
        assertTrue(ignored.out().startsWith("database: " + tmp.resolve("home/.claude-mesh/mesh.db") + "\n"),
                "none of its values apply: " + ignored.out());
        assertTrue(ignored.out().contains("\n.env:     none used: ignored " + dotEnv + " is writable by other users (mode rw-rw-rw-)"),
                ignored.out());
        assertTrue(ignored.out().contains("chmod go-w '" + dotEnv + "'"), ignored.out());
    }

    // ------------------------------------------------------------------ terminal safety

    /** Escape sequences a peer might write: erase screen, bell, an 8-bit CSI, a right-to-left override, a lone CR. */
    static final String HOSTILE = "a\tb\u001b[2J\u0007\u009b31m\u202Eevil\rover";

    @Test
    void peerTextReachesTheTerminalWithEveryControlShownAndTabsKept() throws Exception {
        Peer frontend = mesh.server(mesh.project("frontend"));
        Peer backend = mesh.server(mesh.project("backend"));
        backend.ok("set_summary", Map.of("summary", "summary " + HOSTILE));
        frontend.ok("tell_peer", Map.of("to", "backend", "message", "message " + HOSTILE));
        Background ask = cliInBackground("ask", "backend", "q?");
        Map<String, Object> q = backend.awaitItem("question");
        backend.ok("reply_to_peer", Map.of("question_id", q.get("id"), "answer", "line one\nanswer " + HOSTILE));

        Run answer = ask.await();
        Run tail = cli("tail", "--from-start", "--no-follow");
        Run peers = cli("peers");

        for (Run r : List.of(answer, tail, peers)) {
            assertEquals(0, r.exit(), r.toString());
            for (char c : new char[]{'\u001b', '\u0007', '\u009b', '\u202e', '\r'}) {
                assertEquals(-1, r.out().indexOf(c), "raw U+" + Integer.toHexString(c) + " reached the terminal: " + r.out());
            }
        }
        assertTrue(answer.out().startsWith("line one\nanswer a\tb\\u001b[2J\\u0007\\u009b31m\\u202eevil\\u000dover"), answer.out());
        assertTrue(tail.out().contains("frontend -> backend: message a\tb\\u001b[2J"), tail.out());
        assertTrue(tail.out().contains("backend -> " + CLI + ": line one⏎answer a\tb\\u001b"), tail.out());
        assertTrue(peers.out().contains("summary a\tb\\u001b[2J\\u0007"), peers.out());
    }

    // ------------------------------------------------------------------ who the CLI speaks as

    @Test
    void severalCliCommandsInSeveralTerminalsWorkAtOnce() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));
        Background first = cliInBackground("ask", "backend", "first?");
        Background second = cliInBackground("ask", "backend", "second?");
        for (int i = 0; i < 600 && count("SELECT count(*) FROM questions WHERE status = 'pending'") < 2; i++) {
            assertTrue(first.process.isAlive() && second.process.isAlive(), "an ask gave up: " + first.snapshot(-1) + second.snapshot(-1));
            Thread.sleep(50);
        }
        // Both asks wait; now three sends from other terminals, all at once.
        List<Background> sends = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sends.add(cliInBackground("send", "backend", "note " + i));
        }
        for (Background b : sends) {
            Run r = b.await();
            assertEquals(0, r.exit(), "a send while asks wait: " + r);
        }
        assertTrue(first.process.isAlive() && second.process.isAlive(), "the asks still wait");
        List<Map<String, Object>> questions = new ArrayList<>();
        for (int i = 0; i < 600 && questions.size() < 2; i++) {
            backend.inbox().stream().filter(item -> "question".equals(item.get("kind"))).forEach(questions::add);
            Thread.sleep(20);
        }
        assertEquals(2, questions.size(), questions.toString());
        for (Map<String, Object> q : questions) {
            assertEquals(CLI, q.get("from"));
            backend.ok("reply_to_peer", Map.of("question_id", q.get("id"), "answer", "re: " + q.get("body")));
        }

        assertEquals("re: first?\n", first.await().out(), first.await().toString());
        assertEquals("re: second?\n", second.await().out(), second.await().toString());
        assertEquals(3, count("SELECT count(*) FROM inbox WHERE kind = 'message' AND sender = '" + CLI + "'"));
    }

    @Test
    void aProjectNamedCliWorksWithTheCli() throws Exception {
        Peer cli = mesh.server(mesh.project("cli"));
        assertEquals("cli", cli.ok("register", Map.of()).get("name"));

        Run sent = cli("send", "cli", "hello, project cli");
        Background asked = cliInBackground("ask", "cli", "which port?");
        Map<String, Object> q = cli.awaitItem("question");
        cli.ok("reply_to_peer", Map.of("question_id", q.get("id"), "answer", "8080"));

        assertEquals(0, sent.exit(), sent.toString());
        assertEquals(CLI, q.get("from"));
        assertEquals("8080\n", asked.await().out());
    }

    @Test
    void sendingAsAnOfflineSessionsNameNeverRewritesItsRecord() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));
        Peer infra = mesh.server(mesh.project("infra"));
        infra.ok("set_summary", Map.of("summary", "infra's own summary"));
        infra.client().closeGracefully();
        awaitServerGone("infra");
        String row = "SELECT project_path || '|' || git_root || '|' || host || '|' || summary || '|' || state || '|' || "
                + "coalesce(server_pid, 0) || '|' || registered_at || '|' || last_seen FROM peers WHERE name_key = 'infra'";
        String before = strings(row).get(0);

        Run sent = cli("send", "backend", "from the command line", "--as", "infra");
        Background asked = cliInBackground("ask", "backend", "and a question", "--as", "infra");
        Map<String, Object> q = backend.awaitItem("question");
        backend.ok("reply_to_peer", Map.of("question_id", q.get("id"), "answer", "ok"));

        assertEquals(0, sent.exit(), sent.toString());
        assertEquals("ok\n", asked.await().out());
        assertEquals("infra", q.get("from"));
        assertEquals(before, strings(row).get(0), "infra's record is exactly as its session left it");
    }

    @Test
    void speakingAsALiveSessionsNameIsRefused() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));
        mesh.server(mesh.project("frontend"));
        Run r = cli("send", "backend", "hi", "--as", "frontend");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("--as frontend: a session that may be live holds 'frontend'"), r.err());
        assertEquals(List.of(), backend.inbox());
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
        assertEquals(CLI, item.get("from"));
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
        assertEquals(CLI, q.get("from"));
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

    @Test
    void tailDashNPrintsTheLastNEventsOldestFirstAsUnixTailDoes() throws Exception {
        Peer frontend = mesh.server(mesh.project("frontend"));
        mesh.server(mesh.project("backend"));
        for (int i = 1; i <= 5; i++) {
            frontend.ok("tell_peer", Map.of("to", "backend", "message", "note " + i));
        }

        Run last2 = cli("tail", "-n", "2", "--no-follow");
        Run all = cli("tail", "--from-start", "--no-follow");

        assertEquals(0, last2.exit(), last2.toString());
        List<String> lines = last2.out().lines().toList();
        assertEquals(2, lines.size(), last2.out());
        assertTrue(lines.get(0).endsWith("frontend -> backend: note 4"), lines.get(0));
        assertTrue(lines.get(1).endsWith("frontend -> backend: note 5"), lines.get(1));
        assertEquals(5, all.out().lines().count(), all.out());
        assertTrue(all.out().lines().findFirst().orElse("").endsWith("note 1"), all.out());
    }

    @Test
    void tailDashNThenFollowsWhatHappensNext() throws Exception {
        Peer frontend = mesh.server(mesh.project("frontend"));
        mesh.server(mesh.project("backend"));
        for (int i = 1; i <= 3; i++) {
            frontend.ok("tell_peer", Map.of("to", "backend", "message", "old " + i));
        }
        Background tail = cliInBackground("tail", "-n", "1", "--count", "2");
        awaitFollowing(tail);
        // Following starts before the history is read: a message sent now could be the last stored event.
        tail.awaitPrinted("old 3");
        frontend.ok("tell_peer", Map.of("to", "backend", "message", "new one"));
        Run r = tail.await();
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).endsWith("old 3") && lines.get(1).endsWith("new one"), r.out());
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

        /** Waits until the process has printed {@code text} on its standard output. */
        void awaitPrinted(String text) throws Exception {
            for (int i = 0; i < 600; i++) {
                if (Files.readString(out, StandardCharsets.UTF_8).contains(text)) {
                    return;
                }
                if (!process.isAlive()) {
                    throw new AssertionError("exited before printing " + text + ": " + snapshot(process.exitValue()));
                }
                Thread.sleep(50);
            }
            throw new AssertionError("never printed " + text + " within 30 s; so far:\n" + snapshot(-1));
        }

        Run snapshot(int exit) throws IOException {
            return new Run(exit, Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        }
    }

    private int runs;

    Background cliInBackground(String... args) throws IOException {
        return cliInBackground(Map.of(), args);
    }

    /** The CLI with the mesh's variables and a HOME of the test's own, plus {@code env} (a null value removes one). */
    Background cliInBackground(Map<String, String> env, String... args) throws IOException {
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
        pb.environment().put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
        pb.environment().put("CLAUDE_MESH_CACHE_DIR", MeshCli.LAUNCHER_CACHE.toString());
        MeshFixture.putEnv(pb, env);
        Process p = pb.start();
        background.add(p);
        return new Background(p, out, err);
    }

    Run cli(String... args) throws Exception {
        return cliInBackground(args).await();
    }

    Run cli(Map<String, String> env, String... args) throws Exception {
        return cliInBackground(env, args).await();
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

    /** name -> status from 'peers' output (a header, then one peer per line: name, status, last seen, host, project). */
    private static Map<String, String> peerStatuses(String out) {
        Map<String, String> m = new java.util.TreeMap<>();
        assertTrue(out.startsWith("NAME "), "a header first: " + out);
        out.lines().skip(1).filter(l -> !l.isBlank()).forEach(l -> {
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
