package dev.claudemesh.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.TextContent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * Real processes on a real, temporary mesh file: servers started through {@code bin/claude-mesh-server}
 * and driven by the MCP SDK's own stdio client, and hooks run through their launchers with Claude Code's
 * JSON on stdin. Close it to stop every server it started.
 */
public final class MeshFixture implements AutoCloseable {
    public static final ObjectMapper JSON = new ObjectMapper();

    public final Path dir;
    /** The mesh file, when the tests run on SQLite (on PostgreSQL it is never created). */
    public final Path db;
    /** The mesh's PostgreSQL URL when the tests run on PostgreSQL (a database of this fixture's own). */
    public final java.util.Optional<String> dbUrl;
    private final List<McpSyncClient> clients = new ArrayList<>();
    public final List<String> serverStderr = new CopyOnWriteArrayList<>();

    public MeshFixture(Path dir) {
        this.dir = dir;
        this.db = dir.resolve("mesh.db");
        if (TestDatabases.POSTGRES) {
            // Fixtures on one directory share one mesh, as they share one file on SQLite; the first one made owns it.
            String[] made = new String[1];
            String url = DATABASES.computeIfAbsent(dir.toAbsolutePath(), d -> made[0] = TestDatabases.create());
            this.dbUrl = java.util.Optional.of(url);
            this.ownsDatabase = made[0] != null;
        } else {
            this.dbUrl = java.util.Optional.empty();
            this.ownsDatabase = false;
        }
    }

    private static final Map<Path, String> DATABASES = new java.util.concurrent.ConcurrentHashMap<>();
    private final boolean ownsDatabase;

    /** Whether this run's mesh is on PostgreSQL. */
    public static boolean postgres() {
        return TestDatabases.POSTGRES;
    }

    /** A JDBC connection to this fixture's mesh, to look at or arrange rows; the caller closes it. */
    public java.sql.Connection connect() throws java.sql.SQLException {
        return dbUrl.isPresent() ? TestDatabases.connect(dbUrl.get()) : java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
    }

    /** The first column of the first row {@code sql} returns, or null when it returns none: a look at the mesh's tables. */
    public String row(String sql) throws java.sql.SQLException {
        try (var c = connect(); var st = c.createStatement(); var rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    /** The id of a pending question asked of {@code targetKey}, once one is stored (within 30 s). */
    public String awaitPendingQuestionFor(String targetKey) throws InterruptedException {
        return awaitPendingQuestionFor(targetKey, "");
    }

    /** As {@link #awaitPendingQuestionFor(String)}, other than question {@code notId}. */
    public String awaitPendingQuestionFor(String targetKey, String notId) throws InterruptedException {
        for (int i = 0; i < 1500; i++) {
            try (var c = connect();
                 var ps = c.prepareStatement("SELECT id FROM questions WHERE target_key = ? AND status = 'pending' AND id <> ?")) {
                ps.setString(1, targetKey);
                ps.setString(2, notId);
                try (var rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getString(1);
                    }
                }
            } catch (java.sql.SQLException notYet) {
                // no schema yet: no server has opened the mesh
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no pending question for " + targetKey + " within 30 s");
    }

    /** Takes the mesh's write lock on {@code c} as the store's writers do, so every writer waits until release. */
    public void takeWriteLock(java.sql.Connection c) throws java.sql.SQLException {
        try (var s = c.createStatement()) {
            if (dbUrl.isPresent()) {
                c.setAutoCommit(false);
                s.execute("SELECT pg_advisory_xact_lock(" + dev.claudemesh.store.PostgresStore.WRITE_LOCK + ")");
            } else {
                s.execute("BEGIN IMMEDIATE");
            }
        }
    }

    public void releaseWriteLock(java.sql.Connection c) throws java.sql.SQLException {
        if (dbUrl.isPresent()) {
            c.rollback();
            c.setAutoCommit(true);
        } else {
            try (var s = c.createStatement()) {
                s.execute("ROLLBACK");
            }
        }
    }

    /** Where the servers say the mesh is: the file, or postgresql://host:port/db. */
    public String where() {
        return dbUrl.map(u -> new dev.claudemesh.config.DbUrl(u).display()).orElse(db.toString());
    }

    /**
     * The variables that point a process at this fixture's mesh. MESH_DB_URL is always set (empty for SQLite) so
     * one in the developer's own environment never leaks into a test.
     */
    public Map<String, String> dbEnv() {
        Map<String, String> env = new HashMap<>();
        env.put("MESH_DB_PATH", db.toString());
        env.put("MESH_DB_URL", dbUrl.orElse(""));
        return env;
    }

    public static Path repoRoot() {
        String root = System.getProperty("mesh.repo.root");
        Path p = root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
        if (!Files.isExecutable(p.resolve("bin/claude-mesh-server"))) {
            throw new IllegalStateException("cannot find bin/claude-mesh-server under " + p);
        }
        return p;
    }

    public static Path bin(String name) {
        return repoRoot().resolve("bin").resolve(name);
    }

    /** A project directory under the fixture (created), whose basename becomes the peer's default name. */
    public Path project(String name) throws IOException {
        return Files.createDirectories(dir.resolve("projects").resolve(name));
    }

    public Map<String, String> env(Path project) {
        Map<String, String> env = dbEnv();
        env.put("CLAUDE_PROJECT_DIR", project.toString());
        // The launchers' start-up cache of this build, never the one in the real home.
        env.put("CLAUDE_MESH_CACHE_DIR", MeshCli.LAUNCHER_CACHE.toString());
        return env;
    }

    /** Starts a server for {@code project} and completes the MCP handshake. */
    public Peer server(Path project) {
        return server(project, Map.of());
    }

    public Peer server(Path project, Map<String, String> extraEnv) {
        Map<String, String> env = env(project);
        env.putAll(extraEnv);
        return start(ServerParameters.builder(bin("claude-mesh-server").toString()).env(env).build());
    }

    /**
     * Starts {@code command args...} with {@code project}'s environment and talks MCP to it over its stdio: for a
     * stand-in for Claude Code that runs bin/claude-mesh-server as its own child, so that process is the
     * server's parent.
     */
    public Peer serverVia(Path project, String command, List<String> args) {
        return start(ServerParameters.builder(command).args(args).env(env(project)).build());
    }

    private Peer start(ServerParameters params) {
        var transport = new StdioClientTransport(params, new JacksonMcpJsonMapper(JSON));
        transport.setStdErrorHandler(serverStderr::add);
        List<ProgressNotification> progress = new CopyOnWriteArrayList<>();
        McpSyncClient client = McpClient.sync(transport)
                .requestTimeout(Duration.ofSeconds(120))
                .initializationTimeout(Duration.ofSeconds(60))
                .progressConsumer(progress::add)
                // Every result is checked against its tool's advertised output schema, as a strict client would
                // (the server does not check its own results; see ToolSchemas).
                .enableCallToolSchemaCaching(true)
                .build();
        clients.add(client);
        client.initialize();
        return new Peer(client, progress);
    }

    /** One server seen through its MCP client. */
    public record Peer(McpSyncClient client, List<ProgressNotification> progress) {
        public CallToolResult call(String tool, Map<String, Object> args) {
            return client.callTool(CallToolRequest.builder(tool).arguments(args).build());
        }

        public CallToolResult callWithProgress(String tool, Map<String, Object> args, String token) {
            return client.callTool(CallToolRequest.builder(tool).arguments(args).progressToken(token).build());
        }

        /** The structured result of a successful call; fails the test with the error text otherwise. */
        @SuppressWarnings("unchecked")
        public Map<String, Object> ok(String tool, Map<String, Object> args) {
            CallToolResult r = call(tool, args);
            if (Boolean.TRUE.equals(r.isError())) {
                throw new AssertionError(tool + " failed: " + text(r));
            }
            return (Map<String, Object>) r.structuredContent();
        }

        /** The error text of a call that must fail. */
        public String error(String tool, Map<String, Object> args) {
            CallToolResult r = call(tool, args);
            if (!Boolean.TRUE.equals(r.isError())) {
                throw new AssertionError(tool + " should have failed but returned " + r.structuredContent());
            }
            return text(r);
        }

        /** Polls the inbox, as a session would, until an item of {@code kind} comes; the other items taken are dropped. */
        public Map<String, Object> awaitItem(String kind) throws InterruptedException {
            for (int i = 0; i < 1500; i++) {
                java.util.Optional<Map<String, Object>> found = inbox().stream().filter(it -> kind.equals(it.get("kind"))).findFirst();
                if (found.isPresent()) {
                    return found.get();
                }
                Thread.sleep(20);
            }
            throw new AssertionError("no " + kind + " arrived in the inbox within 30 s");
        }

        /** The status {@code name} has as this server's list_peers shows it (stale and offline included); null if absent. */
        @SuppressWarnings("unchecked")
        public String statusOf(String name) {
            List<Map<String, Object>> peers = (List<Map<String, Object>>) ok("list_peers", Map.of("include_stale", true)).get("peers");
            return peers.stream().filter(p -> name.equals(p.get("name"))).map(p -> (String) p.get("status")).findFirst().orElse(null);
        }

        /** Waits (up to 5 s: a dead process is reaped by the JVM a moment after it dies) until {@code name} has {@code status}. */
        public void awaitStatus(String name, String status) throws InterruptedException {
            String last = null;
            for (int i = 0; i < 250; i++) {
                last = statusOf(name);
                if (status.equals(last)) {
                    return;
                }
                Thread.sleep(20);
            }
            throw new AssertionError(name + " is " + last + ", never " + status);
        }

        /** Closes this server's stdin, as Claude Code does when a session ends, and waits for it to leave. */
        public void stop() {
            client.closeGracefully();
        }

        @SuppressWarnings("unchecked")
        public List<Map<String, Object>> inbox() {
            return (List<Map<String, Object>>) ok("poll_inbox", Map.of()).get("items");
        }
    }

    public static String text(CallToolResult r) {
        StringBuilder out = new StringBuilder();
        r.content().forEach(c -> {
            if (c instanceof TextContent t) {
                out.append(t.text());
            }
        });
        return out.toString();
    }

    /** What a hook process did. */
    public record HookRun(int exitCode, String stdout, String stderr) {
        @SuppressWarnings("unchecked")
        public Map<String, Object> json() {
            try {
                return JSON.readValue(stdout, Map.class);
            } catch (IOException e) {
                throw new AssertionError("hook stdout is not JSON: " + stdout, e);
            }
        }

        @SuppressWarnings("unchecked")
        public String additionalContext() {
            return (String) ((Map<String, Object>) json().get("hookSpecificOutput")).get("additionalContext");
        }

        /**
         * A Stop hook's context: the turn goes on with it (Claude Code shows it once). Fails on the old
         * {@code decision: block}, which Claude Code shows twice and labels an error.
         */
        @SuppressWarnings("unchecked")
        public String stopContext() {
            Map<String, Object> out = json();
            if (out.containsKey("decision")) {
                throw new AssertionError("a Stop hook must not answer decision:block: " + stdout);
            }
            Map<String, Object> specific = (Map<String, Object>) out.get("hookSpecificOutput");
            if (!"Stop".equals(specific.get("hookEventName"))) {
                throw new AssertionError("not Stop hook output: " + stdout);
            }
            return (String) specific.get("additionalContext");
        }
    }

    /**
     * Runs the SessionStart hook of the session whose server serves {@code project} (a server this fixture
     * started: this process is its parent, as Claude Code is), reporting {@code transcript} as Claude Code would:
     * from then on the server knows where proof of what its session's model saw appears.
     */
    public HookRun startSession(Path project, String sessionId, Path transcript) throws IOException, InterruptedException {
        String input = hookJson("SessionStart", sessionId, project, Map.of("source", "startup", "transcript_path", transcript.toString()));
        HookRun r = hook("session-start", project, input);
        if (r.exitCode() != 0 || !r.stdout().contains("hookSpecificOutput")) {
            throw new AssertionError("session-start for " + project + " found no server of its session: " + r.stdout() + r.stderr());
        }
        return r;
    }

    /** Runs a hook launcher as Claude Code does: a new process, the event's JSON on stdin. */
    public HookRun hook(String command, Path project, String stdinJson) throws IOException, InterruptedException {
        return hook(command, env(project), stdinJson.getBytes(StandardCharsets.UTF_8));
    }

    /** Runs a hook launcher with {@code env} over this process's environment; a null value removes that variable. */
    public static HookRun hook(String command, Map<String, String> env, byte[] stdin) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(bin("claude-mesh-" + command).toString());
        pb.environment().remove("CLAUDE_MESH_PROJECT_PATH");
        pb.environment().remove("MESH_DB_URL");
        pb.environment().put("CLAUDE_MESH_CACHE_DIR", MeshCli.LAUNCHER_CACHE.toString()); // unless env says otherwise
        putEnv(pb, env);
        Process p = pb.start();
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        Thread o = new Thread(() -> copy(p.getInputStream(), out));
        Thread e = new Thread(() -> copy(p.getErrorStream(), err));
        o.start();
        e.start();
        try (var in = p.getOutputStream()) {
            in.write(stdin);
        } catch (IOException ignored) {
            // the hook may stop reading early (oversized input); that is its right
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command + " did not finish within 60 s");
        }
        o.join();
        e.join();
        return new HookRun(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code env} into {@code pb}'s environment; a null value removes the variable (HOME, say). */
    public static void putEnv(ProcessBuilder pb, Map<String, String> env) {
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
    }

    private static void copy(java.io.InputStream in, java.io.OutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // process ended
        }
    }

    /** Claude Code's hook input for {@code event}, with extra fields. */
    public static String hookJson(String event, String sessionId, Path cwd, Map<String, Object> extra) {
        Map<String, Object> m = new HashMap<>();
        m.put("session_id", sessionId);
        m.put("transcript_path", "/tmp/transcript-" + sessionId + ".jsonl");
        m.put("cwd", cwd.toString());
        m.put("hook_event_name", event);
        m.putAll(extra);
        try {
            return JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        for (McpSyncClient c : clients) {
            try {
                c.closeGracefully();
            } catch (RuntimeException ignored) {
                // already gone
            }
        }
        if (ownsDatabase) {
            DATABASES.remove(dir.toAbsolutePath());
            dbUrl.ifPresent(TestDatabases::drop);
        }
    }
}
