package dev.claudemesh.bench;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.HostName;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.Processes;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.store.SqliteStore;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;

/**
 * What every section shares: the installation's launchers, a temporary directory (one SQLite file per
 * section, so one section's rows cannot slow another's queries), the processes started so far (all stopped
 * at the end, whatever happens), and the log on stderr.
 */
final class BenchContext implements AutoCloseable {
    final Path root;
    final Path tmp;
    final boolean quick;
    final String host = HostName.ofMachine();
    final List<String> notes = new CopyOnWriteArrayList<>();
    private final PrintStream log;
    private final long startNanos = System.nanoTime();
    private final List<McpProcess> live = new CopyOnWriteArrayList<>();
    private final List<McpProcess> everStarted = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private final List<dev.claudemesh.mesh.MeshStore> stores = new CopyOnWriteArrayList<>();
    /** The server's JVM as its launcher started it. */
    volatile Jvm serverJvm;
    /** The hooks' JVM as their launcher started it. */
    volatile Jvm hookJvm;

    /** A JVM seen running: its executable and arguments, as the operating system reports them. */
    record Jvm(String command, String args) {
        static Jvm in(long pid) {
            return ProcStats.javaIn(pid).map(h -> new Jvm(h.info().command().orElse("?"),
                    h.info().arguments().map(a -> String.join(" ", a)).orElse(""))).orElse(null);
        }
    }

    BenchContext(Path root, boolean quick, PrintStream log) throws IOException {
        this.root = root;
        this.quick = quick;
        this.log = log;
        this.tmp = Files.createTempDirectory("claude-mesh-bench");
    }

    /** {@code full} in a real run, {@code quick} in a smoke run. */
    int pick(int full, int quickValue) {
        return quick ? quickValue : full;
    }

    Path launcher(String name) {
        Path p = root.resolve("bin").resolve(name);
        if (!Files.isExecutable(p)) {
            throw new BenchException("no launcher " + p);
        }
        return p;
    }

    Path sectionDir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    /** PostgreSQL meshes made for this run: the path that stands for each in {@link #env}, and its URL. */
    private final Map<Path, String> postgresMeshes = new java.util.concurrent.ConcurrentHashMap<>();

    /** MESH_BENCH_PG_URL, else MESH_TEST_PG_URL: a PostgreSQL user who may create databases, if one was given. */
    static java.util.Optional<String> postgresAdminUrl() {
        for (String v : List.of("MESH_BENCH_PG_URL", "MESH_TEST_PG_URL")) {
            String u = System.getenv(v);
            if (u != null && !u.isBlank()) {
                return java.util.Optional.of(u.strip());
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * A new PostgreSQL database for a section, with its schema in place; the returned path stands for it in
     * {@link #env} and {@link #server}. Dropped when the run ends.
     */
    Path newPostgresDb(Path dir, String adminUrl) throws java.sql.SQLException {
        String name = "claude_mesh_bench_" + Long.toHexString(System.nanoTime());
        try (java.sql.Connection c = new org.postgresql.Driver().connect(adminUrl, new java.util.Properties());
             java.sql.Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        }
        dev.claudemesh.config.DbUrl db = new dev.claudemesh.config.DbUrl(adminUrl).withDatabase(name);
        String url = db.jdbcUrl();
        dev.claudemesh.store.PostgresStore.open(db, 10).close();
        Path token = dir.resolve("postgresql-" + name);
        postgresMeshes.put(token, url);
        postgresAdmin = adminUrl;
        return token;
    }

    private volatile String postgresAdmin;

    /** A new mesh file in {@code dir}, with its schema already in place (as on any machine that used the mesh before). */
    Path newDb(Path dir) {
        Path db = dir.resolve("mesh.db");
        SqliteStore.open(db).close();
        return db;
    }

    Path project(Path dir, String name) throws IOException {
        return Files.createDirectories(dir.resolve("projects").resolve(name));
    }

    /** The environment Claude Code would give this project's server and hooks, on {@code db}. */
    Map<String, String> env(Path db, Path project, boolean channel) {
        Map<String, String> env = new HashMap<>();
        env.put(MeshConfig.DB_PATH, db.toString());
        env.put(MeshConfig.DB_URL, postgresMeshes.getOrDefault(db, ""));
        env.put(MeshConfig.CLAUDE_PROJECT_DIR, project.toString());
        env.put(MeshConfig.CHANNEL, channel ? "on" : "off");
        env.put("MESH_HOST_NAME", host);
        return env;
    }

    /** Starts {@code bin/claude-mesh-server} for {@code project}; the caller initializes it (and may time that). */
    McpProcess server(String label, Path db, Path project, boolean channel) throws IOException {
        if (closed) {
            throw new BenchException("the benchmark is stopping");
        }
        McpProcess p = McpProcess.start(label, List.of(launcher("claude-mesh-server").toString()),
                env(db, project, channel), project);
        live.add(p);
        everStarted.add(p);
        return p;
    }

    /** Any stdio MCP server ({@code command}), stopped with the others; the caller initializes it. */
    McpProcess otherServer(String label, List<String> command, Path dir) throws IOException {
        if (closed) {
            throw new BenchException("the benchmark is stopping");
        }
        McpProcess p = McpProcess.start(label, command, Map.of(), dir);
        live.add(p);
        everStarted.add(p);
        return p;
    }

    /** A server, initialized, whose peer name is then asked of it with {@code register}. */
    Server started(String label, Path db, Path project, boolean channel) throws Exception {
        return initialized(server(label, db, project, channel));
    }

    /**
     * As {@link #started}, but through a shell that stays its parent. That shell stands in for its Claude Code,
     * which is then not an ancestor of the hooks this process starts: they cannot find its hook socket.
     */
    Server startedElsewhere(String label, Path db, Path project) throws Exception {
        if (closed) {
            throw new BenchException("the benchmark is stopping");
        }
        McpProcess p = McpProcess.start(label, List.of("/bin/sh", "-c", "\"$0\"; exit $?", launcher("claude-mesh-server").toString()),
                env(db, project, false), project);
        live.add(p);
        everStarted.add(p);
        return initialized(p);
    }

    private Server initialized(McpProcess p) throws Exception {
        McpProcess.Arrival init = p.initialize(120);
        String name = p.call("register", Map.of()).path("name").asText();
        return new Server(p, name, init);
    }

    record Server(McpProcess rpc, String name, McpProcess.Arrival init) {
    }

    /** The mesh on {@code db}, opened in this process with the same code the servers use (to seed data). */
    Mesh openMesh(Path db) {
        SqliteStore store = SqliteStore.open(db);
        stores.add(store);
        return new Mesh(store, Processes.LOCAL, Clock.systemUTC(), host, MeshConfig.DEFAULT_MAX_MESSAGE_CHARS);
    }

    /** Takes {@code name} for this benchmark process, which stays alive, so the peer counts as active. */
    Peer join(Mesh mesh, String name, Path project, String summary) {
        return mesh.joinAs(name, new ProjectIdentity(project, project, name), summary);
    }

    /** Closes one server (its stdin, as Claude Code does) and waits until it exited. */
    void stop(McpProcess p) {
        live.remove(p);
        p.close();
    }

    /** Closes every server started so far (their stdin, as Claude Code does) and waits until they exited. */
    void stopServers() {
        List<McpProcess> all = new ArrayList<>(live);
        live.clear();
        List<Thread> closers = new ArrayList<>();
        for (McpProcess p : all) {
            Thread t = new Thread(p::close, "bench-close-" + p.label);
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Responses the servers dropped, and how often they logged that the SDK could not queue a message. */
    int[] droppedResponses() {
        int dropped = 0;
        int logged = 0;
        for (McpProcess p : everStarted) {
            dropped += p.dropped.get();
            logged += p.enqueueFailures.get();
        }
        return new int[] {dropped, logged};
    }

    void log(String line) {
        long s = (System.nanoTime() - startNanos) / 1_000_000_000L;
        log.printf(Locale.ROOT, "bench %d:%02d %s%n", s / 60, s % 60, line);
        log.flush();
    }

    void note(String line) {
        notes.add(line);
    }

    long elapsedNanos() {
        return System.nanoTime() - startNanos;
    }

    /** Removes what would point a child at another mesh or project than the one we give it. */
    static void cleanEnv(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("MESH_") || k.equals(MeshConfig.PROJECT_PATH)
                || k.equals(MeshConfig.CLAUDE_PROJECT_DIR));
    }

    @Override
    public void close() {
        closed = true;
        stopServers();
        for (dev.claudemesh.mesh.MeshStore s : stores) {
            try {
                s.close();
            } catch (RuntimeException ignored) {
                // already closed
            }
        }
        try (Stream<Path> walk = Files.walk(tmp)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
        if (postgresAdmin != null) {
            try (java.sql.Connection c = new org.postgresql.Driver().connect(postgresAdmin, new java.util.Properties());
                 java.sql.Statement s = c.createStatement()) {
                for (String url : postgresMeshes.values()) {
                    s.execute("DROP DATABASE IF EXISTS " + new dev.claudemesh.config.DbUrl(url).database() + " WITH (FORCE)");
                }
            } catch (java.sql.SQLException e) {
                log("could not drop the benchmark's PostgreSQL databases: " + e.getMessage());
            }
        }
    }
}
