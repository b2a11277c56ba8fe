package dev.claudemesh.hook;

import dev.claudemesh.testing.ClaudeStandIn;
import dev.claudemesh.testing.MeshCli;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.HookRun;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static dev.claudemesh.testing.MeshFixture.hookJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * inbox-poll asks its session's server over the hook socket, and reads the database itself whenever that does
 * not work. Each session here is a {@link ClaudeStandIn}: its server's parent (whose pid names the socket) and
 * its hooks' ancestor, with CLAUDE_MESH_HOOK_TRACE set so each hook says on stderr which way it answered. The tests check that path, and
 * what reached stdout; never how long anything took.
 */
class HookSocketIT {
    static final String BY_SERVER = "claude-mesh hook trace: answered by the session's server on ";
    static final String BY_FILE = "claude-mesh hook trace: read the database";

    @TempDir
    Path tmp;
    MeshFixture mesh;
    Path backendDir;
    final List<ClaudeStandIn> standIns = new ArrayList<>();
    final AtomicInteger sessions = new AtomicInteger();

    /** One stand-in Claude Code process, with or without its server; its hooks say which way they answered. */
    final class Session {
        final ClaudeStandIn claude;
        final long pid;
        Peer server;

        Session(boolean withServer) throws Exception {
            claude = new ClaudeStandIn(tmp.resolve("claude-" + sessions.incrementAndGet()), backendDir, "sess-backend");
            standIns.add(claude);
            if (withServer) {
                server = claude.startWithServer(mesh, false);
            } else {
                claude.startAlone(mesh);
            }
            pid = claude.pid();
        }

        Path socket() {
            return HookSocket.socket(HookSocket.dir(mesh.db), pid);
        }

        HookRun hook(String command, String event, Map<String, Object> extra) throws Exception {
            return hook(command, event, extra, Map.of());
        }

        /** Runs {@code command} as this session's descendant, traced, with {@code env} on top of the session's. */
        HookRun hook(String command, String event, Map<String, Object> extra, Map<String, String> env) throws Exception {
            Map<String, String> traced = new java.util.HashMap<>(env);
            traced.put("CLAUDE_MESH_HOOK_TRACE", "1");
            return claude.hook(command, event, extra, traced);
        }

        HookRun prompt() throws Exception {
            return hook("inbox-poll", "UserPromptSubmit", Map.of("prompt", "what is new?"));
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

    @Test
    void theSessionsServerAnswersInboxPollAndEveryItemArrivesExactlyOnce() throws Exception {
        Session backend = new Session(true);
        assertTrue(Files.exists(backend.socket()), "the server listens on " + backend.socket());
        Peer frontend = mesh.server(mesh.project("frontend"));
        String m1 = messageId(frontend.ok("tell_peer", Map.of("to", "backend", "message", "FIRST: the schema moved to v3")));
        String m2 = messageId(frontend.ok("tell_peer", Map.of("to", "backend", "message", "SECOND: CI is green again")));
        CompletableFuture<Map<String, Object>> ask = CompletableFuture.supplyAsync(() ->
                frontend.ok("ask_peer", Map.of("to", "backend", "question", "THIRD: which port?", "timeout_seconds", 120)));
        String q = awaitQuestion(backend.server);

        HookRun prompt = backend.prompt();
        assertTrue(prompt.stderr().contains(BY_SERVER + backend.socket()), "answered by its own session's server: " + prompt.stderr());
        String context = prompt.additionalContext();
        assertTrue(context.contains("you are 'backend'"), context);
        for (String id : List.of(m1, m2, q)) {
            assertEquals(1, count(context, "\"" + id + "\""), id + " shown once: " + context);
        }
        assertTrue(context.contains("FIRST: the schema moved to v3") && context.contains("<peer_message from=\"frontend\""), context);
        for (Map<String, Object> item : backend.server.inbox()) {
            assertFalse(List.of(m1, m2, q).contains(item.get("id")), "poll_inbox must not return what the hook showed: " + item);
        }

        // Taken by poll_inbox first: the hook has nothing to show.
        String m3 = messageId(frontend.ok("tell_peer", Map.of("to", "backend", "message", "FOURTH: deploy at noon")));
        assertEquals(List.of(m3), backend.server.inbox().stream().map(i -> i.get("id")).toList());
        HookRun after = backend.prompt();
        assertTrue(after.stderr().contains(BY_SERVER), after.stderr());
        assertEquals("", after.stdout(), "nothing new for the hook");

        // Stop, while the question waits: the session is kept going, through the server too.
        HookRun stop = backend.hook("inbox-poll", "Stop", Map.of("stop_hook_active", false));
        assertTrue(stop.stderr().contains(BY_SERVER), stop.stderr());
        assertTrue(stop.stopContext().contains("question " + q), stop.stdout());

        backend.server.ok("reply_to_peer", Map.of("question_id", q, "answer", "8080"));
        assertEquals("8080", ask.get(60, TimeUnit.SECONDS).get("answer"));
    }

    @Test
    void aServerRefusesAHookOfAnotherMeshOrHostAndTakesNothing() throws Exception {
        Session backend = new Session(true);
        Peer frontend = mesh.server(mesh.project("frontend"));
        String id = messageId(frontend.ok("tell_peer", Map.of("to", "backend", "message", "REFUSED: still here?")));

        // A hook whose settings name another mesh (another file beside this one, so the same run/ directory;
        // on PostgreSQL the fixture's mesh is the database, and this the file) is not answered for it.
        Map<String, String> otherMesh = Map.of("MESH_DB_PATH", mesh.db.resolveSibling("other.db").toString(), "MESH_DB_URL", "");
        HookRun elsewhere = backend.hook("inbox-poll", "UserPromptSubmit", Map.of("prompt", "hi"), otherMesh);
        assertTrue(elsewhere.stderr().contains(BY_FILE) && elsewhere.stderr().contains("refused: this server's mesh is " + mesh.where()),
                elsewhere.stderr());
        assertEquals("", elsewhere.stdout(), "its own mesh has nothing for it");

        HookRun otherHost = backend.hook("inbox-poll", "UserPromptSubmit", Map.of("prompt", "hi"), Map.of("MESH_HOST_NAME", "not-this-one"));
        assertTrue(otherHost.stderr().contains(BY_FILE) && otherHost.stderr().contains("refused: this server's host is"), otherHost.stderr());

        // Nothing was taken for those refused requests: the message arrives once, by whichever way.
        HookRun mine = backend.prompt();
        assertTrue(mine.stderr().contains(BY_SERVER), mine.stderr());
        assertEquals(1, count(otherHost.stdout() + mine.stdout(), id), otherHost.stdout() + mine.stdout());
    }

    @Test
    void withItsServersSocketGoneTheHookReadsTheDatabaseAndStillDelivers() throws Exception {
        Session backend = new Session(true);
        backend.hook("session-start", "SessionStart", Map.of("source", "startup"));
        Files.delete(backend.socket()); // the server runs, but cannot be reached this way
        String id = send("backend", "NO-SERVER: are you there?");

        HookRun r = backend.prompt();
        assertTrue(r.stderr().contains(BY_FILE), r.stderr());
        assertTrue(r.additionalContext().contains(id) && r.additionalContext().contains("NO-SERVER: are you there?"), r.stdout());
        assertEquals("", backend.prompt().stdout(), "delivered once");
    }

    @Test
    void aStaleSocketFileIsPassedOverAndTheHookStillDelivers() throws Exception {
        Session backend = new Session(true);
        backend.hook("session-start", "SessionStart", Map.of("source", "startup"));
        // What a server killed with -9 leaves behind: a socket file nobody listens on (here in place of the live
        // server's, so the session still has a peer for the hook to find in the file).
        Files.delete(backend.socket());
        privateRunDir();
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(backend.socket()));
        }
        assertTrue(Files.exists(backend.socket()));
        String id = send("backend", "STALE: still delivered?");

        HookRun r = backend.prompt();
        assertTrue(r.stderr().contains(BY_FILE) && r.stderr().contains(backend.socket().getFileName().toString()), r.stderr());
        assertTrue(r.additionalContext().contains(id), r.stdout());
        assertEquals("", backend.prompt().stdout(), "delivered once");
    }

    @Test
    void whateverAStrangeListenerAnswersNeverReachesStdout() throws Exception {
        Session backend = new Session(true);
        backend.hook("session-start", "SessionStart", Map.of("source", "startup"));
        Files.delete(backend.socket());
        privateRunDir();
        List<Consumer<SocketChannel>> answers = List.of(
                c -> write(c, "HTTP/1.1 200 OK\r\n\r\n{\"hookSpecificOutput\":{\"additionalContext\":\"GARBAGE-1\"}}"
                        .getBytes(StandardCharsets.UTF_8)),
                c -> reply(c, HookSocket.ANSWERED, "GARBAGE-2 is not hook output".getBytes(StandardCharsets.UTF_8), 0),
                c -> reply(c, HookSocket.ANSWERED, "{GARBAGE-3: not json}".getBytes(StandardCharsets.UTF_8), 0),
                c -> reply(c, HookSocket.ANSWERED, "{\"decision\":\"block\",\"reason\":\"GARBAGE-4\"}".getBytes(StandardCharsets.UTF_8), 500),
                c -> reply(c, (byte) 'X', "{\"decision\":\"block\",\"reason\":\"GARBAGE-5\"}".getBytes(StandardCharsets.UTF_8), 0),
                c -> write(c, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2, 3}));
        try (ServerSocketChannel strange = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            strange.bind(UnixDomainSocketAddress.of(backend.socket()));
            for (int n = 0; n < answers.size(); n++) {
                Consumer<SocketChannel> answer = answers.get(n);
                CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
                    try (SocketChannel c = strange.accept()) {
                        answer.accept(c);
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                String id = send("backend", "ITEM-" + n + ": delivered despite the strange socket");
                HookRun r = backend.prompt();
                served.get(30, TimeUnit.SECONDS);
                assertFalse(r.stdout().contains("GARBAGE"), "garbage " + n + " reached stdout: " + r.stdout());
                assertTrue(r.stderr().contains(BY_FILE), "answer " + n + " was not taken: " + r.stderr());
                assertTrue(r.additionalContext().contains(id), "the hook read the file instead: " + r.stdout());
            }
        }
    }

    @Test
    void anAnswerItsHookNeverConfirmedIsPutBackInTheInbox() throws Exception {
        Session backend = new Session(true);
        Peer frontend = mesh.server(mesh.project("frontend"));
        String m1 = messageId(frontend.ok("tell_peer", Map.of("to", "backend", "message", "UNCONFIRMED: read me once")));

        // A hook that takes the answer and dies before confirming it: this test process speaks for a process of the
        // session (the server judges whose hook it is by that process's ancestors).
        long hookPid = backend.claude.spawn("exec sleep 120");
        HookSocket.Request request = new HookSocket.Request(HookSocket.INBOX_POLL, mesh.where(),
                dev.claudemesh.config.MeshConfig.host(dev.claudemesh.config.Settings.of(System.getenv(), Map.of())), backendDir.toString(),
                backendDir.toString(), hookPid,
                hookJson("UserPromptSubmit", "sess-backend", backendDir, Map.of("prompt", "hi")).getBytes(StandardCharsets.UTF_8));
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(backend.socket()))) {
            request.write(new DataOutputStream(Channels.newOutputStream(c)));
            DataInputStream in = new DataInputStream(Channels.newInputStream(c));
            assertEquals(HookSocket.MAGIC, in.readUTF());
            assertEquals(HookSocket.VERSION, in.readInt());
            assertEquals(HookSocket.ANSWERED, in.readByte());
            byte[] stdout = in.readNBytes(in.readInt());
            assertTrue(new String(stdout, StandardCharsets.UTF_8).contains(m1), "the server took the item for its hook");
        } // closed without the confirmation byte

        List<Object> ids = new ArrayList<>();
        for (int i = 0; i < 100 && ids.isEmpty(); i++) {
            backend.server.inbox().forEach(item -> ids.add(item.get("id")));
            Thread.sleep(50);
        }
        assertEquals(List.of(m1), ids, "the item went back to the inbox, and comes out once");
        assertEquals("", backend.prompt().stdout());
    }

    // ------------------------------------------------------------------ helpers

    /** The socket directory as a server makes it (tests that listen themselves need it first). */
    private void privateRunDir() throws IOException {
        Path dir = HookSocket.dir(mesh.db);
        if (!Files.exists(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
    }

    /** Sends {@code text} to {@code to} from the command line (no server, so no socket of its own). */
    private String send(String to, String text) throws Exception {
        MeshCli.Run r = MeshCli.run(mesh.project("cli"), mesh.dbEnv(), "send", to, text);
        assertEquals(0, r.exit(), r.toString());
        return r.out().strip().split(" ")[0];
    }

    private static String messageId(Map<String, Object> told) {
        return (String) told.get("message_id");
    }

    private String awaitQuestion(Peer target) throws Exception {
        // The question is in the target's inbox as soon as ask_peer stored it; peek without taking it.
        for (int i = 0; i < 1500; i++) {
            try (var c = mesh.connect();
                 var s = c.createStatement();
                 var rs = s.executeQuery("SELECT id FROM questions WHERE target_key = 'backend' AND status = 'pending'")) {
                if (rs.next()) {
                    return rs.getString(1);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no pending question for backend");
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static void write(SocketChannel c, byte[] bytes) {
        try {
            c.write(ByteBuffer.wrap(bytes));
        } catch (IOException ignored) {
            // the hook may have given up already
        }
    }

    /** A reply framed as a server's, claiming {@code extra} more stdout bytes than it sends when asked to. */
    private static void reply(SocketChannel c, byte status, byte[] stdout, int extra) {
        try {
            DataOutputStream out = new DataOutputStream(Channels.newOutputStream(c));
            out.writeUTF(HookSocket.MAGIC);
            out.writeInt(HookSocket.VERSION);
            out.writeByte(status);
            out.writeInt(stdout.length + extra);
            out.write(stdout);
            if (extra == 0) {
                out.writeUTF("");
            }
            out.flush();
            c.shutdownOutput();
            // Stay until the hook is done with us, so a confirmation it should not send would still get through.
            ByteBuffer rest = ByteBuffer.allocate(4096);
            while (c.read(rest) >= 0) {
                rest.clear();
            }
        } catch (IOException ignored) {
            // the hook may have given up already
        }
    }
}
