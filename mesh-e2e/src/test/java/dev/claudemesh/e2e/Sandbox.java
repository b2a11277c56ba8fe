package dev.claudemesh.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A throw-away user for real Claude Code sessions: a HOME of its own whose {@code ~/.claude.json} has
 * onboarding done and the stand-in API key approved, claude-mesh set up by its own {@code bin/claude-mesh
 * install}, project directories, and one mesh (a SQLite file in that HOME, or a PostgreSQL database of its own
 * on the suite's PostgreSQL pass). Close it to stop every session it started and remove the database.
 */
public final class Sandbox implements AutoCloseable {
    /** The stand-in's API key; Claude Code remembers approved keys by their last 20 characters. */
    static final String API_KEY = "sk-ant-e2e-claude-mesh-stand-in-key-0001";
    static final boolean POSTGRES = "postgresql".equals(System.getProperty("mesh.test.backend"));
    /**
     * Which hooks the scenarios install ({@code -Dmesh.e2e.hooks=auto|mcp|command}, {@code install --hooks}):
     * {@code auto}, install's default, which asks this Claude Code its version as it would on a user's machine
     * (mcp_tool hooks answered by the session's server, for 2.1.118+), or the kind named.
     */
    public static final String HOOKS = System.getProperty("mesh.e2e.hooks", "auto");

    public final Path root;
    public final Path home;
    public final Path db;
    private final Optional<String> pgUrl;
    private final List<AutoCloseable> sessions = new ArrayList<>();
    private int serial;

    private Sandbox(Path root) throws IOException {
        this.root = root;
        this.home = Files.createDirectories(root.resolve("home"));
        this.db = home.resolve(".claude-mesh").resolve("mesh.db");
        this.pgUrl = POSTGRES ? Optional.of(createDatabase()) : Optional.empty();
        ObjectNode config = ModelApi.JSON.createObjectNode();
        config.put("hasCompletedOnboarding", true);
        // Claude Code keys its approvals by the key's last 20 characters; the whole key is listed as well.
        config.putObject("customApiKeyResponses").putArray("approved").add(API_KEY.substring(API_KEY.length() - 20)).add(API_KEY);
        // Every project of the sandbox lives under projects/, trusted once here, before any Claude Code runs: Claude
        // Code counts a directory trusted when a parent is, and a running Claude Code rewrites ~/.claude.json from
        // its own copy, so a trust entry added later for one project can be lost and its session stop at the dialog.
        Path projects = Files.createDirectories(root.resolve("projects")).toRealPath();
        config.putObject("projects").putObject(projects.toString()).put("hasTrustDialogAccepted", true);
        Files.writeString(home.resolve(".claude.json"), ModelApi.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config));
    }

    /** A new sandbox with claude-mesh installed the way a user installs it ({@code bin/claude-mesh install ARGS}). */
    public static Sandbox installed(String... installArgs) throws IOException, InterruptedException {
        ClaudeCode.requireInstalled();
        Sandbox s = new Sandbox(Files.createTempDirectory("claude-mesh-e2e"));
        List<String> cmd = new ArrayList<>(List.of(ClaudeCode.repoRoot().resolve("bin/claude-mesh").toString(), "install"));
        cmd.addAll(List.of(installArgs));
        boolean named = cmd.stream().anyMatch(a -> a.startsWith("--hooks"));
        boolean auto = !named && HOOKS.equals("auto");
        if (!named && !auto) {
            cmd.add("--hooks=" + HOOKS);
        }
        // As on a user's machine, install without --hooks asks `claude --version`: here the suite's pinned binary.
        Result r = s.run(cmd, s.root, 180, Map.of("CLAUDE_MESH_CLAUDE", ClaudeCode.requireInstalled().toString()));
        if (r.exit() != 0) {
            throw new IllegalStateException("bin/claude-mesh install failed (" + r.exit() + "):\n" + r.output());
        }
        if (auto && !r.output().contains("has mcp_tool hooks")) {
            throw new IllegalStateException("install's default should have chosen mcp_tool hooks for this Claude Code:\n" + r.output());
        }
        return s;
    }

    /** A new sandbox with no claude-mesh in Claude Code's configuration (install it yourself, as a plugin, say). */
    public static Sandbox bare() throws IOException {
        return withoutMesh();
    }

    /** A new sandbox without claude-mesh: the same Claude Code and stand-in model, for comparison. */
    public static Sandbox withoutMesh() throws IOException {
        ClaudeCode.requireInstalled();
        return new Sandbox(Files.createTempDirectory("claude-mesh-e2e"));
    }

    /**
     * Turns every hook off with Claude Code's own {@code disableAllHooks} setting, leaving claude-mesh's server
     * registered: the same session without its hooks, for comparison.
     */
    public Sandbox withHooksDisabled() throws IOException {
        editJson(home.resolve(".claude").resolve("settings.json"), settings -> settings.put("disableAllHooks", true));
        return this;
    }

    /**
     * Registers a stdio MCP server for every project of this sandbox's user, in {@code ~/.claude.json}'s
     * {@code mcpServers} (where {@code claude mcp add --scope user} puts it).
     */
    public synchronized Sandbox withMcpServer(String name, List<String> command) throws IOException {
        editJson(home.resolve(".claude.json"), config -> {
            ObjectNode servers = config.has("mcpServers") ? (ObjectNode) config.get("mcpServers") : config.putObject("mcpServers");
            ObjectNode server = servers.putObject(name).put("type", "stdio").put("command", command.get(0));
            command.subList(1, command.size()).forEach(server.putArray("args")::add);
        });
        return this;
    }

    /**
     * Copies the {@code mcp_tool} hooks calling {@code tool} from {@code other}'s settings.json into this
     * sandbox's, each event's with the same input and time limit, but calling {@code server} instead: the very
     * hooks another install wrote, pointed at another server.
     */
    public Sandbox withMcpToolHooksOf(Sandbox other, String tool, String server) throws IOException {
        JsonNode from = ModelApi.JSON.readTree(Files.readString(other.home.resolve(".claude").resolve("settings.json"))).path("hooks");
        editJson(home.resolve(".claude").resolve("settings.json"), settings -> {
            ObjectNode hooks = settings.has("hooks") ? (ObjectNode) settings.get("hooks") : settings.putObject("hooks");
            for (Map.Entry<String, JsonNode> event : from.properties()) {
                for (JsonNode group : event.getValue()) {
                    for (JsonNode handler : group.path("hooks")) {
                        if ("mcp_tool".equals(handler.path("type").asText()) && tool.equals(handler.path("tool").asText())) {
                            ArrayNode groups = hooks.has(event.getKey()) ? (ArrayNode) hooks.get(event.getKey()) : hooks.putArray(event.getKey());
                            groups.addObject().putArray("hooks").add(((ObjectNode) handler.deepCopy()).put("server", server));
                        }
                    }
                }
            }
        });
        return this;
    }

    /** Reads the JSON object in {@code file} (an empty one when there is none), lets {@code edit} change it, writes it back. */
    private static void editJson(Path file, java.util.function.Consumer<ObjectNode> edit) throws IOException {
        ObjectNode json = Files.exists(file) ? (ObjectNode) ModelApi.JSON.readTree(Files.readString(file))
                : ModelApi.JSON.createObjectNode();
        edit.accept(json);
        Files.createDirectories(file.getParent());
        Files.writeString(file, ModelApi.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json));
    }

    /** Runs {@code claude ARGS} (a subcommand such as {@code plugin install}) as this sandbox's user, from its root. */
    public Result claude(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ClaudeCode.requireInstalled().toString()));
        cmd.addAll(List.of(args));
        return run(cmd, root, 180);
    }

    /** A project directory named {@code name} (a git repository when {@code git}), trusted in Claude Code. */
    public Path project(String name) throws IOException {
        Path dir = Files.createDirectories(root.resolve("projects").resolve(name));
        trust(dir);
        return dir.toRealPath();
    }

    /** Marks {@code dir} as trusted, as accepting Claude Code's trust dialog does. */
    public synchronized void trust(Path dir) throws IOException {
        String path = dir.toRealPath().toString();
        editJson(home.resolve(".claude.json"), config -> {
            ObjectNode projects = config.has("projects") ? (ObjectNode) config.get("projects") : config.putObject("projects");
            projects.putObject(path).put("hasTrustDialogAccepted", true);
        });
    }

    /** Puts a feature flag in Claude Code's cache of them, as its flag service would after a login that has it. */
    public synchronized void cacheFeatureFlag(String flag, boolean value) throws IOException {
        editJson(home.resolve(".claude.json"), config -> {
            ObjectNode flags = config.has("cachedGrowthBookFeatures") ? (ObjectNode) config.get("cachedGrowthBookFeatures")
                    : config.putObject("cachedGrowthBookFeatures");
            flags.put(flag, value);
        });
    }

    /**
     * The environment of a Claude Code session here: nothing of the outer environment but PATH, the JDK and
     * the locale, so a suite run from inside a Claude Code session does not leak that session into these.
     */
    public Map<String, String> environment(String apiBaseUrl) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String keep : List.of("PATH", "JAVA_HOME", "LANG", "TMPDIR")) {
            String v = System.getenv(keep);
            if (v != null) {
                env.put(keep, v);
            }
        }
        env.putIfAbsent("LANG", "C.UTF-8");
        env.put("HOME", home.toString());
        env.put("USER", System.getProperty("user.name"));
        env.put("TERM", "xterm-256color");
        env.put("ANTHROPIC_BASE_URL", apiBaseUrl);
        env.put("ANTHROPIC_API_KEY", API_KEY);
        env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        env.put("DISABLE_AUTOUPDATER", "1");
        env.put("DISABLE_TELEMETRY", "1");
        env.put("DISABLE_ERROR_REPORTING", "1");
        env.put("CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL", "1");
        env.putAll(meshEnvironment());
        return env;
    }

    /** Where this sandbox's mesh is, as every claude-mesh process here must be told. */
    public Map<String, String> meshEnvironment() {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("MESH_DB_PATH", db.toString());
        pgUrl.ifPresent(url -> env.put("MESH_DB_URL", url));
        // One start-up cache for the whole suite (built once, private to this user), so every test's first
        // session does not pay for a training run.
        env.put("CLAUDE_MESH_CACHE_DIR", ClaudeCode.launcherCache().toString());
        return env;
    }

    /** Runs {@code bin/claude-mesh ARGS} against this sandbox's mesh, as the user would in a terminal. */
    public Result cli(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(ClaudeCode.repoRoot().resolve("bin/claude-mesh").toString()));
        cmd.addAll(List.of(args));
        return run(cmd, root, 120);
    }

    Result run(List<String> cmd, Path dir, int timeoutSeconds) throws IOException, InterruptedException {
        return run(cmd, dir, timeoutSeconds, Map.of());
    }

    Result run(List<String> cmd, Path dir, int timeoutSeconds, Map<String, String> extra) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(environment("http://127.0.0.1:9"));
        pb.environment().putAll(extra);
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + timeoutSeconds + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /**
     * Waits until {@code sql} (one number) on this sandbox's mesh gives at least {@code atLeast}. For pacing a
     * scenario only (say, until a question is in the mesh); assertions are on what the model was shown.
     */
    public void awaitCount(String sql, long atLeast, java.time.Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long last = -1;
        while (System.nanoTime() < deadline) {
            try (Connection c = pgUrl.isPresent() ? DriverManager.getConnection(pgUrl.get())
                    : DriverManager.getConnection("jdbc:sqlite:file:" + db + "?mode=ro");
                 Statement s = c.createStatement(); java.sql.ResultSet rs = s.executeQuery(sql)) {
                last = rs.next() ? rs.getLong(1) : -1;
                if (last >= atLeast) {
                    return;
                }
            } catch (SQLException notYet) {
                // the database or its schema is not there yet
            }
            Thread.sleep(50);
        }
        throw new AssertionError("'" + sql + "' stayed at " + last + " (wanted " + atLeast + ") for " + timeout.toSeconds() + " s");
    }

    /** What a command printed and how it exited. */
    public record Result(int exit, String output) {
    }

    synchronized String nextName(String prefix) {
        return prefix + "-" + (++serial);
    }

    synchronized <T extends AutoCloseable> T track(T session) {
        sessions.add(session);
        return session;
    }

    @Override
    public void close() {
        List<AutoCloseable> all;
        synchronized (this) {
            all = new ArrayList<>(sessions);
        }
        for (AutoCloseable s : all) {
            try {
                s.close();
            } catch (Exception ignored) {
                // best effort: a session that already ended
            }
        }
        pgUrl.ifPresent(Sandbox::dropDatabase);
    }

    // ------------------------------------------------------------------ PostgreSQL pass

    private static String createDatabase() {
        String admin = adminUrl();
        byte[] b = new byte[6];
        new java.security.SecureRandom().nextBytes(b);
        String name = "e2e_" + HexFormat.of().formatHex(b);
        try (Connection c = DriverManager.getConnection(admin); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a database for the end-to-end suite: " + e.getMessage(), e);
        }
        return withDatabase(admin, name);
    }

    private static void dropDatabase(String url) {
        String name = url.replaceFirst("^jdbc:postgresql://[^/]+/", "").replaceFirst("\\?.*$", "");
        try (Connection c = DriverManager.getConnection(adminUrl()); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop " + name + ": " + e.getMessage());
        }
    }

    private static String adminUrl() {
        String url = System.getenv("MESH_TEST_PG_URL");
        Assumptions.assumeTrue(url != null && !url.isBlank(), "the PostgreSQL pass needs MESH_TEST_PG_URL");
        return url;
    }

    static String withDatabase(String url, String name) {
        return url.replaceFirst("^(jdbc:postgresql://[^/]+/)[^?]*", "$1" + name);
    }
}
