package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.config.ConfigException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The PreToolUse hook that enforces file leases: an {@code mcp_tool} handler, so the session's own server
 * answers it (no process is started per edit), calling {@code check_edit} before Edit, Write, MultiEdit and
 * NotebookEdit. It runs no launcher, so it is recognised by what it calls (server claude-mesh, tool check_edit)
 * rather than as {@link HookEntries} recognise command hooks; it is kept here, apart from them.
 */
final class EditGuardHook {
    static final String EVENT = "PreToolUse";
    static final String MATCHER = "Edit|Write|MultiEdit|NotebookEdit";
    static final String SERVER = "claude-mesh";
    static final String TOOL = "check_edit";

    private EditGuardHook() {
    }

    static ObjectNode handler() {
        ObjectNode h = JsonFile.MAPPER.createObjectNode();
        h.put("type", "mcp_tool");
        h.put("server", SERVER);
        h.put("tool", TOOL);
        ObjectNode input = h.putObject("input");
        input.put("tool_name", "${tool_name}");
        input.put("file_path", "${tool_input.file_path}");
        input.put("notebook_path", "${tool_input.notebook_path}");
        h.put("timeout", 10);
        return h;
    }

    static boolean isOurs(JsonNode handler) {
        return calls(handler, SERVER);
    }

    /** Whether {@code handler} is the guard calling {@code server} (ours, or the plugin's name for it). */
    private static boolean calls(JsonNode handler, String server) {
        return "mcp_tool".equals(handler.path("type").asText()) && server.equals(handler.path("server").asText())
                && TOOL.equals(handler.path("tool").asText());
    }

    /** Whether {@code settings} holds the handler calling {@code server} (ours, or the plugin's name for it). */
    static boolean present(ObjectNode settings, String server) {
        if (!(settings.get("hooks") instanceof ObjectNode hooks) || !(hooks.get(EVENT) instanceof ArrayNode groups)) {
            return false;
        }
        for (JsonNode group : groups) {
            for (JsonNode h : group.path("hooks")) {
                if (calls(h, server)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether {@code settings} holds our handler. */
    static boolean present(ObjectNode settings) {
        return present(settings, SERVER);
    }

    /** Adds the handler, in a group of its own at the end of PreToolUse, unless it is there. */
    static List<String> install(ObjectNode settings, Path file) {
        if (present(settings)) {
            return List.of();
        }
        JsonNode hooksNode = settings.get("hooks");
        ObjectNode hooks;
        if (hooksNode == null || hooksNode.isNull()) {
            hooks = settings.putObject("hooks");
        } else if (hooksNode instanceof ObjectNode o) {
            hooks = o;
        } else {
            throw new ConfigException(file + ": \"hooks\" should be an object of events; fix it by hand and run again; nothing was changed");
        }
        JsonNode list = hooks.get(EVENT);
        ArrayNode groups;
        if (list == null || list.isNull()) {
            groups = hooks.putArray(EVENT);
        } else if (list instanceof ArrayNode a) {
            groups = a;
        } else {
            throw new ConfigException(file + ": \"hooks\"." + EVENT + " should be a list of hook groups; fix it by hand and run again; nothing was changed");
        }
        ObjectNode group = groups.addObject();
        group.put("matcher", MATCHER);
        group.putArray("hooks").add(handler());
        return List.of("+ hooks." + EVENT + " (" + MATCHER + "): mcp_tool " + SERVER + " " + TOOL);
    }

    /** Removes our handler, and the group and list it leaves empty unless {@code original} had that list. */
    static List<String> uninstall(ObjectNode settings, Optional<ObjectNode> original) {
        List<String> changes = new ArrayList<>();
        if (!(settings.get("hooks") instanceof ObjectNode hooks) || !(hooks.get(EVENT) instanceof ArrayNode groups)) {
            return changes;
        }
        for (int g = groups.size() - 1; g >= 0; g--) {
            if (groups.get(g) instanceof ObjectNode group && group.get("hooks") instanceof ArrayNode list) {
                int before = list.size();
                for (int i = list.size() - 1; i >= 0; i--) {
                    if (isOurs(list.get(i))) {
                        list.remove(i);
                        changes.add("- hooks." + EVENT + ": mcp_tool " + SERVER + " " + TOOL);
                    }
                }
                if (list.isEmpty() && before > 0) {
                    groups.remove(g);
                }
            }
        }
        if (!changes.isEmpty() && groups.isEmpty() && !JsonPaths.has(original, "hooks", EVENT)) {
            hooks.remove(EVENT);
        }
        if (!changes.isEmpty() && hooks.isEmpty() && !JsonPaths.has(original, "hooks")) {
            settings.remove("hooks");
        }
        return changes;
    }
}
