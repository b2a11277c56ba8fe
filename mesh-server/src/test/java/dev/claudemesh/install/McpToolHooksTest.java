package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** install --hooks=mcp|command on real files in a temporary home: one kind at a time, uninstall leaves no trace. */
class McpToolHooksTest {
    @TempDir
    Path tmp;

    static final Installation HERE = new Installation(Path.of("/opt/claude-mesh"));

    Path home() {
        return tmp.resolve("home");
    }

    Path settings() {
        return home().resolve(".claude").resolve("settings.json");
    }

    void install(MeshHook.Kind kind, boolean wake) {
        Installer.install(Scope.USER, UserFiles.of(home(), Map.of()), tmp.resolve("project"), HERE, wake, kind)
                .edits().forEach(FileEdit::apply);
    }

    void uninstall() {
        Installer.uninstall(Scope.USER, UserFiles.of(home(), Map.of()), tmp.resolve("project")).edits().forEach(FileEdit::apply);
    }

    JsonNode hooks() throws Exception {
        return JsonFile.MAPPER.readTree(Files.readString(settings(), StandardCharsets.UTF_8)).path("hooks");
    }

    /** Every handler of {@code event}: its type, and its command or tool. */
    List<String> handlers(String event) throws Exception {
        List<String> out = new ArrayList<>();
        for (JsonNode group : hooks().path(event)) {
            for (JsonNode h : group.path("hooks")) {
                out.add(h.path("type").asText() + " " + (h.has("tool") ? h.path("server").asText() + "/" + h.path("tool").asText()
                        : h.path("command").asText()));
            }
        }
        return out;
    }

    @Test
    void mcpHooksAnswerPromptToolUseAndStopInTheSessionsServerWhileSessionStartAndEndStayCommands() throws Exception {
        install(MeshHook.Kind.MCP, false);
        assertEquals(List.of("mcp_tool claude-mesh/hook_delivery"), handlers("UserPromptSubmit"));
        assertEquals(List.of("mcp_tool claude-mesh/hook_delivery"), handlers("PostToolUse"));
        assertEquals(List.of("mcp_tool claude-mesh/hook_delivery"), handlers("Stop"));
        assertEquals(List.of("command /opt/claude-mesh/bin/claude-mesh-session-start"), handlers("SessionStart"));
        assertEquals(List.of("command /opt/claude-mesh/bin/claude-mesh-session-end"), handlers("SessionEnd"));
        JsonNode stop = hooks().path("Stop").get(0).path("hooks").get(0);
        assertEquals("${stop_hook_active}", stop.path("input").path("stop_hook_active").asText());
        assertEquals("${transcript_path}", stop.path("input").path("transcript_path").asText());
        assertEquals("${hook_event_name}", stop.path("input").path("hook_event_name").asText());
    }

    @Test
    void installingOneKindReplacesTheOtherSoNoEventIsAnsweredTwice() throws Exception {
        install(MeshHook.Kind.COMMAND, true);
        String commandOnly = Files.readString(settings());
        install(MeshHook.Kind.MCP, false);
        // Claude Code runs an event's hooks side by side, so their order does not matter.
        assertEquals(java.util.Set.of("mcp_tool claude-mesh/hook_delivery", "command /opt/claude-mesh/bin/claude-mesh-inbox-wait"),
                java.util.Set.copyOf(handlers("Stop")), "the wake hook stays a command hook, and stays installed");
        assertEquals(2, handlers("Stop").size());
        assertEquals(List.of("mcp_tool claude-mesh/hook_delivery"), handlers("UserPromptSubmit"));
        install(MeshHook.Kind.COMMAND, false);
        assertTrue(handlers("PostToolUse").isEmpty() && !hooks().has("PostToolUse"), "PostToolUse goes with the mcp hooks");
        assertEquals(List.of("command /opt/claude-mesh/bin/claude-mesh-inbox-poll"), handlers("UserPromptSubmit"));
        assertEquals(JsonFile.MAPPER.readTree(commandOnly).path("hooks").path("UserPromptSubmit"), hooks().path("UserPromptSubmit"));
    }

    @Test
    void installingTheSameKindAgainChangesNothing() throws Exception {
        install(MeshHook.Kind.MCP, false);
        String once = Files.readString(settings());
        Installer.Plan again = Installer.install(Scope.USER, UserFiles.of(home(), Map.of()), tmp.resolve("project"), HERE, false,
                MeshHook.Kind.MCP);
        assertFalse(again.changesAnything());
        assertEquals(once, Files.readString(settings()));
    }

    @Test
    void uninstallRemovesMcpToolHooksAndGivesBackTheUsersFileByteForByte() throws Exception {
        String mine = "{\n  \"model\": \"opus\",\n  \"hooks\": {\n    \"Stop\": [\n      {\n        \"hooks\": [\n"
                + "          {\n            \"type\": \"command\",\n            \"command\": \"notify-send done\"\n          }\n"
                + "        ]\n      }\n    ]\n  }\n}\n";
        Files.createDirectories(settings().getParent());
        Files.writeString(settings(), mine);
        install(MeshHook.Kind.MCP, true);
        install(MeshHook.Kind.COMMAND, false);
        install(MeshHook.Kind.MCP, false);
        uninstall();
        assertEquals(mine, Files.readString(settings()));
    }

    @Test
    void claudeCodeFrom2_1_118HasMcpToolHooks() {
        assertEquals(Optional.of(HookKind.MCP), HookKind.forVersion("2.1.328 (Claude Code)"));
        assertEquals(Optional.of(HookKind.MCP), HookKind.forVersion("2.1.118 (Claude Code)"));
        assertEquals(Optional.of(HookKind.MCP), HookKind.forVersion("3.0.0"));
        assertEquals(Optional.of(HookKind.COMMAND), HookKind.forVersion("2.1.117 (Claude Code)"));
        assertEquals(Optional.of(HookKind.COMMAND), HookKind.forVersion("1.9.999"));
        assertEquals(Optional.empty(), HookKind.forVersion("claude: command not found"));
    }

    @Test
    void withoutClaudeOnThePathAutoChoosesCommandHooksAndSaysWhy() {
        HookKind.Choice c = HookKind.detect(tmp.resolve("no-such-claude").toString());
        assertEquals(HookKind.COMMAND, c.kind());
        assertTrue(c.why().contains("--hooks=mcp"), c.why());
    }
}
