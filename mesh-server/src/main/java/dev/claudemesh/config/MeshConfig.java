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
                DEFAULT_HEARTBEAT_SECONDS, DEFAULT_HEARTBEAT_GRACE_SECONDS, dev.claudemesh.mesh.HostName.get());
    }

    /** Where the mesh lives, safe to print: the file, or postgresql://host:port/db without credentials. */
    public String where() {
        return dbUrl.map(DbUrl::display).orElse(dbPath.toString());
    }

    /** How long after its last heartbeat a peer on another host is taken to be gone. */
    public java.time.Duration heartbeatTimeout() {
        return java.time.Duration.ofSeconds((long) heartbeatSeconds + heartbeatGraceSeconds);
    }

    public static MeshConfig from(Settings settings) {
        Path db = settings.get(DB_PATH)
                .map(MeshConfig::expandHome)
                .orElseGet(() -> Path.of(System.getProperty("user.home"), ".claude-mesh", "mesh.db"));
        Optional<Path> project = projectOverride(settings);
        int max = settings.get(MAX_MESSAGE_CHARS).map(v -> parsePositive(MAX_MESSAGE_CHARS, v))
                .orElse(DEFAULT_MAX_MESSAGE_CHARS);
        String channel = settings.get(CHANNEL).map(v -> v.toLowerCase(java.util.Locale.ROOT)).orElse("auto");
        if (!channel.equals("on") && !channel.equals("off") && !channel.equals("auto")) {
            throw new ConfigException(CHANNEL + " must be on, off or auto, got '" + channel + "'");
        }
        int wait = settings.get(WAIT_SECONDS).map(v -> parsePositive(WAIT_SECONDS, v)).orElse(DEFAULT_WAIT_SECONDS);
        String serverName = settings.get(SERVER_NAME).orElse(DEFAULT_SERVER_NAME);
        Optional<DbUrl> url = settings.get(DB_URL).map(String::strip).filter(v -> !v.isEmpty()).map(DbUrl::new);
        int beat = settings.get(HEARTBEAT_SECONDS).map(v -> parsePositive(HEARTBEAT_SECONDS, v)).orElse(DEFAULT_HEARTBEAT_SECONDS);
        int grace = settings.get(HEARTBEAT_GRACE_SECONDS).map(v -> parsePositive(HEARTBEAT_GRACE_SECONDS, v))
                .orElse(DEFAULT_HEARTBEAT_GRACE_SECONDS);
        String host = settings.get(HOST_NAME).map(String::strip).filter(v -> !v.isEmpty())
                .orElseGet(dev.claudemesh.mesh.HostName::get);
        return new MeshConfig(db.toAbsolutePath().normalize(), project, max, channel, wait, serverName, url, beat, grace, host);
    }

    /** CLAUDE_MESH_PROJECT_PATH, else CLAUDE_PROJECT_DIR; read alone, so a bad value elsewhere cannot hide it. */
    public static Optional<Path> projectOverride(Settings settings) {
        return settings.get(PROJECT_PATH).or(() -> settings.get(CLAUDE_PROJECT_DIR)).map(MeshConfig::expandHome);
    }

    private static Path expandHome(String value) {
        if (value.equals("~") || value.startsWith("~/")) {
            return Path.of(System.getProperty("user.home") + value.substring(1));
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
