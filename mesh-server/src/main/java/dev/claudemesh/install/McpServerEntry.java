package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.config.ConfigException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Our server in an MCP configuration ({@code ~/.claude.json} or a project's {@code .mcp.json}):
 * {@code mcpServers.claude-mesh}. Claude Code starts it without a shell, so the command is the bare path.
 * The channel name users pass to {@code --dangerously-load-development-channels server:NAME} is this key.
 */
final class McpServerEntry {
    static final String NAME = "claude-mesh";
    static final String LAUNCHER = "claude-mesh-server";

    private McpServerEntry() {
    }

    /**
     * Adds the entry, or points an existing entry of ours at {@code installation} (keeping its args, env and
     * anything else the user put there). An entry of that name that runs something else is refused.
     */
    static List<String> install(ObjectNode config, Path file, Installation installation) {
        List<String> changes = new ArrayList<>();
        String path = installation.launcher(LAUNCHER).toString();
        JsonNode servers = config.get("mcpServers");
        if (servers != null && !servers.isNull() && !(servers instanceof ObjectNode)) {
            throw new ConfigException(file + ": \"mcpServers\" should be an object, but is "
                    + servers.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + "; fix it by hand and run again; nothing was changed");
        }
        ObjectNode all = servers instanceof ObjectNode o ? o : config.putObject("mcpServers");
        JsonNode entry = all.get(NAME);
        if (entry == null || entry.isNull()) {
            ObjectNode e = all.putObject(NAME);
            e.put("type", "stdio");
            e.put("command", path);
            e.putArray("args");
            e.putObject("env");
            changes.add("+ mcpServers." + NAME + ": " + path);
            return changes;
        }
        if (!isOurs(entry)) {
            throw new ConfigException(file + ": mcpServers." + NAME + " already exists and runs "
                    + (entry.path("command").isTextual() ? "'" + entry.path("command").asText() + "'" : "no command")
                    + ", not a claude-mesh launcher; rename or remove that entry and run again; nothing was changed");
        }
        String old = entry.path("command").asText();
        if (!old.equals(path)) {
            ((ObjectNode) entry).put("command", path);
            changes.add("~ mcpServers." + NAME + ": " + path + " (was " + old + ")");
        }
        return changes;
    }

    /** Removes our entry, and {@code mcpServers} when that left it empty and {@code original} did not have it. */
    static List<String> uninstall(ObjectNode config, Optional<ObjectNode> original) {
        List<String> changes = new ArrayList<>();
        if (config.get("mcpServers") instanceof ObjectNode all && all.get(NAME) != null && isOurs(all.get(NAME))) {
            changes.add("- mcpServers." + NAME + ": " + all.get(NAME).path("command").asText());
            all.remove(NAME);
            if (all.isEmpty() && !JsonPaths.has(original, "mcpServers")) {
                config.remove("mcpServers");
            }
        }
        return changes;
    }

    static Optional<JsonNode> find(JsonNode config) {
        JsonNode entry = config.path("mcpServers").path(NAME);
        return entry.isObject() ? Optional.of(entry) : Optional.empty();
    }

    static boolean isOurs(JsonNode entry) {
        JsonNode command = entry.path("command");
        return command.isTextual() && LauncherCommand.launcherName(command.asText()).map(LAUNCHER::equals).orElse(false);
    }
}
