package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.config.ConfigException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Our hooks in a Claude Code settings file ({@code {"hooks": {"Stop": [{"hooks": [handler, ...]}]}}}).
 * Every edit is to our own handlers: added as a group of their own at the end of their event's list,
 * pointed at this installation in place when they exist, removed on uninstall. Other handlers, groups,
 * events and keys are never touched.
 */
final class HookEntries {
    private HookEntries() {
    }

    /** A handler of ours found in a settings file ({@code command} is empty for an mcp_tool hook). */
    record Registered(MeshHook hook, String command, JsonNode handler) {
        Path path() {
            return Path.of(LauncherCommand.path(command));
        }
    }

    /**
     * Adds each wanted hook that is missing and points every hook of ours that exists (wanted or not, such as
     * a wake hook installed earlier) at {@code installation}.
     *
     * @return one line per change
     */
    static List<String> install(ObjectNode settings, Path file, Installation installation, Set<MeshHook> wanted) {
        List<String> changes = new ArrayList<>();
        Set<MeshHook> handled = new LinkedHashSet<>();
        for (MeshHook hook : MeshHook.values()) {
            ObjectNode hooks = objectAt(settings, file, "hooks", wanted.contains(hook));
            ArrayNode groups = hooks == null ? null : arrayAt(hooks, file, hook.event, wanted.contains(hook));
            if (groups == null) {
                continue;
            }
            String path = hook.shown(installation);
            for (ObjectNode handler : handlers(groups, hook)) {
                handled.add(hook);
                if (hook.isTool()) {
                    continue; // names the session's server, wherever this installation lives
                }
                String command = LauncherCommand.of(installation.launcher(hook.launcher));
                String old = handler.path("command").asText();
                if (!LauncherCommand.path(old).equals(path)) {
                    handler.put("command", command);
                    changes.add("~ hooks." + hook.event + ": " + path + " (was " + LauncherCommand.path(old) + ")");
                }
            }
            if (!handled.contains(hook) && wanted.contains(hook)) {
                ObjectNode group = groups.addObject();
                group.putArray("hooks").add(hook.handler(installation));
                changes.add("+ hooks." + hook.event + ": " + path);
            }
        }
        return changes;
    }

    /**
     * Removes our handlers of the {@code which} hooks, then the groups, event lists and {@code hooks} object
     * this left empty, unless {@code original} (the file before the first install; empty when install created
     * it) already had them.
     */
    static List<String> uninstall(ObjectNode settings, Optional<ObjectNode> original, Set<MeshHook> which) {
        List<String> changes = new ArrayList<>();
        if (!(settings.get("hooks") instanceof ObjectNode hooks)) {
            return changes;
        }
        List<String> events = new ArrayList<>();
        hooks.fieldNames().forEachRemaining(events::add);
        for (String event : events) {
            if (!(hooks.get(event) instanceof ArrayNode groups)) {
                continue;
            }
            // Backwards, so removing an element does not shift the ones still to visit.
            List<String> removedHere = new ArrayList<>();
            for (int g = groups.size() - 1; g >= 0; g--) {
                if (!(groups.get(g) instanceof ObjectNode group) || !(group.get("hooks") instanceof ArrayNode list)) {
                    continue;
                }
                int before = list.size();
                for (int i = list.size() - 1; i >= 0; i--) {
                    JsonNode h = list.get(i);
                    Optional<MeshHook> ours = ours(event, h, which);
                    if (ours.isPresent()) {
                        list.remove(i);
                        removedHere.add(0, "- hooks." + event + ": " + (ours.get().isTool()
                                ? ours.get().shown(null) : LauncherCommand.path(h.path("command").asText())));
                    }
                }
                if (list.isEmpty() && before > 0) {
                    groups.remove(g);
                }
            }
            changes.addAll(removedHere);
            if (!removedHere.isEmpty() && groups.isEmpty() && !JsonPaths.has(original, "hooks", event)) {
                hooks.remove(event);
            }
        }
        if (!changes.isEmpty() && hooks.isEmpty() && !JsonPaths.has(original, "hooks")) {
            settings.remove("hooks");
        }
        return changes;
    }

    /** Our handlers in a settings file, in file order. */
    static List<Registered> find(ObjectNode settings) {
        List<Registered> found = new ArrayList<>();
        if (!(settings.get("hooks") instanceof ObjectNode hooks)) {
            return found;
        }
        for (MeshHook hook : MeshHook.values()) {
            if (hooks.get(hook.event) instanceof ArrayNode groups) {
                for (ObjectNode h : handlers(groups, hook)) {
                    found.add(new Registered(hook, h.path("command").asText(), h));
                }
            }
        }
        return found;
    }

    private static Optional<MeshHook> ours(String event, JsonNode handler, Set<MeshHook> which) {
        for (MeshHook hook : which) {
            if (hook.event.equals(event) && hook.isHandler(handler)) {
                return Optional.of(hook);
            }
        }
        return Optional.empty();
    }

    private static List<ObjectNode> handlers(ArrayNode groups, MeshHook hook) {
        List<ObjectNode> found = new ArrayList<>();
        for (JsonNode group : groups) {
            for (JsonNode h : group.path("hooks")) {
                if (h instanceof ObjectNode o && hook.isHandler(o)) {
                    found.add(o);
                }
            }
        }
        return found;
    }

    private static ObjectNode objectAt(ObjectNode parent, Path file, String key, boolean create) {
        JsonNode n = parent.get(key);
        if (n == null || n.isNull()) {
            return create ? parent.putObject(key) : null;
        }
        if (n instanceof ObjectNode o) {
            return o;
        }
        throw new ConfigException(file + ": \"" + key + "\" should be an object of events, but is "
                + n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + "; fix it by hand and run again; nothing was changed");
    }

    private static ArrayNode arrayAt(ObjectNode hooks, Path file, String event, boolean create) {
        JsonNode n = hooks.get(event);
        if (n == null || n.isNull()) {
            return create ? hooks.putArray(event) : null;
        }
        if (n instanceof ArrayNode a) {
            return a;
        }
        throw new ConfigException(file + ": \"hooks\"." + event + " should be a list of hook groups, but is "
                + n.getNodeType().toString().toLowerCase(java.util.Locale.ROOT) + "; fix it by hand and run again; nothing was changed");
    }
}
