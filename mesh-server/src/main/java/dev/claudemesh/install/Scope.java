package dev.claudemesh.install;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Where install writes: for every project ({@code user}: ~/.claude.json and ~/.claude/settings.json), or for
 * one project ({@code project}: its .mcp.json and .claude/settings.json, which can be committed).
 */
public enum Scope {
    USER, PROJECT;

    public static Optional<Scope> parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "user" -> Optional.of(USER);
            case "project" -> Optional.of(PROJECT);
            default -> Optional.empty();
        };
    }

    /** The MCP configuration file: user scope in ~/.claude.json, project scope in the project's .mcp.json. */
    public Path mcpFile(UserFiles user, Path project) {
        return this == USER ? user.mcpFile() : project.resolve(".mcp.json");
    }

    public Path settingsFile(UserFiles user, Path project) {
        return this == USER ? user.settingsFile() : project.resolve(".claude").resolve("settings.json");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
