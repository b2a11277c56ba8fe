package dev.claudemesh.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything a mesh process needs to know, resolved once at start-up and passed in.
 *
 * @param dbPath           the shared SQLite file
 * @param projectOverride  CLAUDE_MESH_PROJECT_PATH, else CLAUDE_PROJECT_DIR, when either is set
 * @param maxMessageChars  the largest question, answer or message body accepted
 * @param dbUrl            MESH_DB_URL: a PostgreSQL mesh instead of the file, when set
 * @param heartbeatSeconds how often a server records that it is alive
 * @param heartbeatGraceSeconds how long past a missed heartbeat a peer on another host still counts as alive
 * @param host             the name this machine goes by in the mesh (MESH_HOST_NAME, else the OS host name)
 */
public record MeshConfig(Path dbPath, Optional<Path> projectOverride, int maxMessageChars, String channelMode,
                         int waitSeconds, String serverName, Optional<DbUrl> dbUrl, int heartbeatSeconds,
                         int heartbeatGraceSeconds, String host) {

    public static final String DB_PATH = "MESH_DB_PATH";
    public static final String PROJECT_PATH = "CLAUDE_MESH_PROJECT_PATH";
    public static final String CLAUDE_PROJECT_DIR = "CLAUDE_PROJECT_DIR";
    public static final String MAX_MESSAGE_CHARS = "MESH_MAX_MESSAGE_CHARS";
    public static final int DEFAULT_MAX_MESSAGE_CHARS = 64 * 1024;
    public static final String CHANNEL = "MESH_CHANNEL";
    public static final String WAIT_SECONDS = "MESH_WAIT_SECONDS";
    /** Below Claude Code's default 600 s hook timeout, with room for the JVM to start and stop. */
    public static final int DEFAULT_WAIT_SECONDS = 540;
    public static final String SERVER_NAME = "MESH_SERVER_NAME";
    public static final String DEFAULT_SERVER_NAME = "claude-mesh";
    public static final String DB_URL = "MESH_DB_URL";
    public static final String HOST_NAME = "MESH_HOST_NAME";
    public static final String HEARTBEAT_SECONDS = "MESH_HEARTBEAT_SECONDS";
    public static final int DEFAULT_HEARTBEAT_SECONDS = 15;
    public static final String HEARTBEAT_GRACE_SECONDS = "MESH_HEARTBEAT_GRACE_SECONDS";
    public static final int DEFAULT_HEARTBEAT_GRACE_SECONDS = 45;

    public MeshConfig(Path dbPath, Optional<Path> projectOverride, int maxMessageChars) {
        this(dbPath, projectOverride, maxMessageChars, "auto", DEFAULT_WAIT_SECONDS, DEFAULT_SERVER_NAME, Optional.empty(),
                DEFAULT_HEARTBEAT_SECONDS, DEFAULT_HEARTBEAT_GRACE_SECONDS, HostName.ofMachine());
    }

    /** Where the mesh lives, safe to print: the file, or postgresql://host:port/db without credentials. */
    public String where() {
        return dbUrl.isPresent() ? dbUrl.get().display() : dbPath.toString(); // no lambda: hooks call this (see from)
    }

    /** How long after its last heartbeat a peer on another host is taken to be gone. */
    public java.time.Duration heartbeatTimeout() {
        return java.time.Duration.ofSeconds((long) heartbeatSeconds + heartbeatGraceSeconds);
    }

    /**
     * Written without lambdas on purpose: every hook starts here, and a JVM's first lambda costs it a few
     * milliseconds of method-handle set-up that a hook answered by its server would otherwise never pay.
     */
    public static MeshConfig from(Settings settings) {
        String dbValue = settings.get(DB_PATH).orElse(null);
        Path db = dbValue != null ? expandHome(settings, DB_PATH, dbValue)
                : Home.of(settings.environment(), "the mesh database (~/.claude-mesh/mesh.db, unless MESH_DB_PATH names "
                        + "a file)").resolve(".claude-mesh").resolve("mesh.db");
        Optional<Path> project = projectOverride(settings);
        String maxValue = settings.get(MAX_MESSAGE_CHARS).orElse(null);
        int max = maxValue != null ? parsePositive(MAX_MESSAGE_CHARS, maxValue) : DEFAULT_MAX_MESSAGE_CHARS;
        String channel = settings.get(CHANNEL).orElse("auto").toLowerCase(java.util.Locale.ROOT);
        if (!channel.equals("on") && !channel.equals("off") && !channel.equals("auto")) {
            throw new ConfigException(CHANNEL + " must be on, off or auto, got '" + channel + "'");
        }
        String waitValue = settings.get(WAIT_SECONDS).orElse(null);
        int wait = waitValue != null ? parsePositive(WAIT_SECONDS, waitValue) : DEFAULT_WAIT_SECONDS;
        String serverName = settings.get(SERVER_NAME).orElse(DEFAULT_SERVER_NAME);
        String urlValue = nonBlank(settings.get(DB_URL).orElse(null));
        Optional<DbUrl> url = urlValue != null ? Optional.of(new DbUrl(urlValue)) : Optional.empty();
        String beatValue = settings.get(HEARTBEAT_SECONDS).orElse(null);
        int beat = beatValue != null ? parsePositive(HEARTBEAT_SECONDS, beatValue) : DEFAULT_HEARTBEAT_SECONDS;
        String graceValue = settings.get(HEARTBEAT_GRACE_SECONDS).orElse(null);
        int grace = graceValue != null ? parsePositive(HEARTBEAT_GRACE_SECONDS, graceValue) : DEFAULT_HEARTBEAT_GRACE_SECONDS;
        return new MeshConfig(db.toAbsolutePath().normalize(), project, max, channel, wait, serverName, url, beat, grace,
                host(settings));
    }

    /** MESH_HOST_NAME (environment or .env), else the machine's own name. */
    public static String host(Settings settings) {
        String hostValue = nonBlank(settings.get(HOST_NAME).orElse(null));
        return hostValue != null ? hostValue : HostName.ofMachine();
    }

    /** The value stripped, or null when absent or only blanks. */
    private static String nonBlank(String value) {
        if (value == null) {
            return null;
        }
        String s = value.strip();
        return s.isEmpty() ? null : s;
    }

    /** CLAUDE_MESH_PROJECT_PATH, else CLAUDE_PROJECT_DIR; read alone, so a bad value elsewhere cannot hide it. */
    public static Optional<Path> projectOverride(Settings settings) {
        Optional<String> value = settings.get(PROJECT_PATH);
        if (value.isEmpty()) {
            value = settings.get(CLAUDE_PROJECT_DIR);
        }
        if (value.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(expandHome(settings, settings.get(PROJECT_PATH).isPresent() ? PROJECT_PATH : CLAUDE_PROJECT_DIR,
                value.get()));
    }

    /** A leading {@code ~} is $HOME (see {@link Home}), never Java's user.home. */
    private static Path expandHome(Settings settings, String name, String value) {
        if (value.equals("~") || value.startsWith("~/")) {
            return Path.of(Home.of(settings.environment(), name + " (" + value + ")") + value.substring(1));
        }
        return Path.of(value);
    }

    private static int parsePositive(String name, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the error below
        }
        throw new ConfigException(name + " must be a positive whole number, got '" + value + "'");
    }
}
