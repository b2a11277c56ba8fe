package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The hooks claude-mesh registers in Claude Code's settings: which event runs which launcher, with what
 * time limit. A handler is ours when its command runs that launcher from any {@code bin/} directory.
 */
enum MeshHook {
    SESSION_START("SessionStart", "claude-mesh-session-start", 10),
    PROMPT("UserPromptSubmit", "claude-mesh-inbox-poll", 10),
    STOP("Stop", "claude-mesh-inbox-poll", 10),
    SESSION_END("SessionEnd", "claude-mesh-session-end", 5),
    /**
     * Waits in the background for the next item and wakes an idle session with it (exit 2 with asyncRewake).
     * 600 s is Claude Code's default hook limit; the hook itself gives up after MESH_WAIT_SECONDS (540).
     */
    WAKE("Stop", "claude-mesh-inbox-wait", 600);

    /** What {@code install} adds without options. */
    static final List<MeshHook> STANDARD = List.of(SESSION_START, PROMPT, STOP, SESSION_END);

    final String event;
    final String launcher;
    final int timeoutSeconds;

    MeshHook(String event, String launcher, int timeoutSeconds) {
        this.event = event;
        this.launcher = launcher;
        this.timeoutSeconds = timeoutSeconds;
    }

    ObjectNode handler(Installation installation) {
        ObjectNode h = JsonFile.MAPPER.createObjectNode();
        h.put("type", "command");
        h.put("command", LauncherCommand.of(installation.launcher(launcher)));
        if (this == WAKE) {
            h.put("async", true);
            h.put("asyncRewake", true);
        }
        h.put("timeout", timeoutSeconds);
        return h;
    }

    boolean isHandler(JsonNode handler) {
        JsonNode command = handler.path("command");
        return command.isTextual() && LauncherCommand.launcherName(command.asText()).map(launcher::equals).orElse(false);
    }

    @Override
    public String toString() {
        return event + " " + launcher;
    }
}
