package dev.claudemesh.install;

import dev.claudemesh.config.Home;

import java.nio.file.Path;
import java.util.Map;

/**
 * Claude Code's user-scope files: the MCP configuration (~/.claude.json) and the settings with the hooks
 * (~/.claude/settings.json). With CLAUDE_CONFIG_DIR set, Claude Code keeps both inside that directory
 * instead ({@code DIR/.claude.json}, {@code DIR/settings.json}), so install, uninstall and doctor look there.
 */
public record UserFiles(Path mcpFile, Path settingsFile) {
    public static final String CONFIG_DIR = "CLAUDE_CONFIG_DIR";

    /** This process's: $HOME (see {@link Home}) and CLAUDE_CONFIG_DIR from the environment. */
    public static UserFiles current() {
        return of(Home.dir("Claude Code's configuration (~/.claude.json, ~/.claude/settings.json)"), System.getenv());
    }

    /** A relative or blank CLAUDE_CONFIG_DIR is ignored, as an unusable value (install says which it used). */
    public static UserFiles of(Path home, Map<String, String> env) {
        String dir = env.get(CONFIG_DIR);
        if (dir != null && !dir.isBlank() && Path.of(dir.strip()).isAbsolute()) {
            Path d = Path.of(dir.strip()).normalize();
            return new UserFiles(d.resolve(".claude.json"), d.resolve("settings.json"));
        }
        return new UserFiles(home.resolve(".claude.json"), home.resolve(".claude").resolve("settings.json"));
    }
}
