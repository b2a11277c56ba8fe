package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The hooks claude-mesh registers in Claude Code's settings: which event runs which launcher (a command hook)
 * or calls which tool of the session's own server (an {@code mcp_tool} hook), with what time limit. A command
 * handler is ours when its command runs that launcher from any {@code bin/} directory; an {@code mcp_tool}
 * handler when it calls {@link #TOOL} of the server {@code claude-mesh}.
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
    WAKE("Stop", "claude-mesh-inbox-wait", 600),
    /** UserPromptSubmit answered in-process by the session's server (Claude Code 2.1.118+). */
    PROMPT_TOOL("UserPromptSubmit", null, 10),
    /** After every tool call: what peers wait on, mid-turn (mcp_tool only: a JVM per tool call would cost too much). */
    TOOL_USE("PostToolUse", null, 10),
    STOP_TOOL("Stop", null, 10);

    /** The server tool the mcp_tool hooks call (the server's {@code HookTool}). */
    static final String TOOL = "hook_delivery";
    /** The first Claude Code with mcp_tool hooks. */
    static final String MCP_TOOL_SINCE = "2.1.118";

    /** Which kind of hooks deliver items: {@code install --hooks=mcp|command}. */
    enum Kind {
        /** UserPromptSubmit, PostToolUse and Stop as mcp_tool hooks; SessionStart and SessionEnd stay commands. */
        MCP,
        /** Every hook a command (Claude Code before 2.1.118). */
        COMMAND
    }

    /** What {@code install} adds without options, for each kind. */
    static List<MeshHook> standard(Kind kind) {
        return kind == Kind.MCP ? List.of(SESSION_START, PROMPT_TOOL, TOOL_USE, STOP_TOOL, SESSION_END)
                : List.of(SESSION_START, PROMPT, STOP, SESSION_END);
    }

    /** The same role in the other kind: what {@code install} of one kind replaces. */
    static List<MeshHook> otherKind(Kind kind) {
        return kind == Kind.MCP ? List.of(PROMPT, STOP) : List.of(PROMPT_TOOL, TOOL_USE, STOP_TOOL);
    }

    final String event;
    /** The launcher a command hook runs; null for an mcp_tool hook. */
    final String launcher;
    final int timeoutSeconds;

    MeshHook(String event, String launcher, int timeoutSeconds) {
        this.event = event;
        this.launcher = launcher;
        this.timeoutSeconds = timeoutSeconds;
    }

    boolean isTool() {
        return launcher == null;
    }

    ObjectNode handler(Installation installation) {
        ObjectNode h = JsonFile.MAPPER.createObjectNode();
        if (isTool()) {
            h.put("type", "mcp_tool");
            h.put("server", McpServerEntry.NAME);
            h.put("tool", TOOL);
            // Claude Code fills each ${field} from the hook's input, as a string.
            ObjectNode input = h.putObject("input");
            input.put("hook_event_name", "${hook_event_name}");
            input.put("session_id", "${session_id}");
            input.put("transcript_path", "${transcript_path}");
            if (this == STOP_TOOL) {
                input.put("stop_hook_active", "${stop_hook_active}");
            }
        } else {
            h.put("type", "command");
            h.put("command", LauncherCommand.of(installation.launcher(launcher)));
            if (this == WAKE) {
                h.put("async", true);
                h.put("asyncRewake", true);
            }
        }
        h.put("timeout", timeoutSeconds);
        return h;
    }

    boolean isHandler(JsonNode handler) {
        if (isTool()) {
            return "mcp_tool".equals(handler.path("type").asText()) && TOOL.equals(handler.path("tool").asText())
                    && McpServerEntry.NAME.equals(handler.path("server").asText());
        }
        JsonNode command = handler.path("command");
        return command.isTextual() && LauncherCommand.launcherName(command.asText()).map(launcher::equals).orElse(false);
    }

    /** How changes name it: its launcher's path, or the tool it calls. */
    String shown(Installation installation) {
        return isTool() ? "mcp_tool " + McpServerEntry.NAME + "/" + TOOL : installation.launcher(launcher).toString();
    }

    @Override
    public String toString() {
        return event + " " + (isTool() ? "mcp_tool " + TOOL : launcher);
    }
}
