package dev.claudemesh.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything a mesh process needs to know, resolved once at start-up and passed in.
 *
 * @param dbPath           the shared SQLite file
 * @param projectOverride  CLAUDE_MESH_PROJECT_PATH, else CLAUDE_PROJECT_DIR, when either is set
 * @param maxMessageChars  the largest question, answer or message body accepted
 */
public record MeshConfig(Path dbPath, Optional<Path> projectOverride, int maxMessageChars, String channelMode,
                         int waitSeconds, String serverName) {

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

    public MeshConfig(Path dbPath, Optional<Path> projectOverride, int maxMessageChars) {
        this(dbPath, projectOverride, maxMessageChars, "auto", DEFAULT_WAIT_SECONDS, DEFAULT_SERVER_NAME);
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
        return new MeshConfig(db.toAbsolutePath().normalize(), project, max, channel, wait, serverName);
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
