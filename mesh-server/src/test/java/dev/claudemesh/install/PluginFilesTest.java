package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plugin's generated files against what {@code install} writes into an empty home. */
class PluginFilesTest {
    @TempDir
    Path tmp;

    @Test
    void thePluginBundlesExactlyTheHooksAndServerInstallRegisters() throws Exception {
        UserFiles home = new UserFiles(tmp.resolve(".claude.json"), tmp.resolve(".claude").resolve("settings.json"));
        // The plugin's kind: mcp_tool hooks (its PreToolUse edit guard needs a Claude Code that has them anyway).
        Installer.Plan plan = Installer.install(Scope.USER, home, tmp, InstallerTest.HERE, false, MeshHook.Kind.MCP);
        plan.edits().forEach(FileEdit::apply);
        ObjectNode installedHooks = (ObjectNode) JsonFile.MAPPER.readTree(Files.readString(home.settingsFile()));
        ObjectNode installedServers = (ObjectNode) JsonFile.MAPPER.readTree(Files.readString(home.mcpFile()));

        Map<String, String> plugin = PluginFiles.render();
        JsonNode pluginHooks = JsonFile.MAPPER.readTree(plugin.get("hooks/hooks.json"));
        JsonNode pluginServers = JsonFile.MAPPER.readTree(plugin.get(".mcp.json"));

        assertFalse(HookEntries.find(installedHooks).isEmpty(), "install registered no hooks");
        // The same handlers under the same events, each launcher at the plugin's root instead of the checkout's.
        String here = InstallerTest.HERE.root().toString();
        for (HookEntries.Registered r : HookEntries.find(installedHooks)) {
            if (r.hook().isTool()) {
                continue;
            }
            ((ObjectNode) r.handler()).put("command", "\"" + r.path().toString().replace(here, "${CLAUDE_PLUGIN_ROOT}") + "\"");
        }
        // An mcp_tool hook (the file-lease check, say) names the plugin's server as Claude Code calls it.
        for (JsonNode groups : installedHooks.path("hooks")) {
            for (JsonNode group : groups) {
                for (JsonNode handler : group.path("hooks")) {
                    if ("mcp_tool".equals(handler.path("type").asText()) && McpServerEntry.NAME.equals(handler.path("server").asText())) {
                        ((ObjectNode) handler).put("server", PluginFiles.SERVER);
                    }
                }
            }
        }
        assertEquals(installedHooks, pluginHooks);
        ObjectNode entry = (ObjectNode) installedServers.path("mcpServers").path(McpServerEntry.NAME);
        entry.put("command", entry.get("command").asText().replace(here, "${CLAUDE_PLUGIN_ROOT}"));
        assertEquals(installedServers.get("mcpServers"), pluginServers.get("mcpServers"));
        assertTrue(pluginHooks.toString().contains("${CLAUDE_PLUGIN_ROOT}/bin/claude-mesh-session-start"), pluginHooks.toString());
        for (String event : java.util.List.of("UserPromptSubmit", "PostToolUse", "Stop")) {
            JsonNode handler = pluginHooks.path("hooks").path(event).path(0).path("hooks").path(0);
            assertEquals("mcp_tool " + PluginFiles.SERVER + " hook_delivery", handler.path("type").asText() + " "
                    + handler.path("server").asText() + " " + handler.path("tool").asText(), event + ": " + pluginHooks);
        }
    }

    @Test
    void anMcpToolHookNamesTheServerAsClaudeCodeNamesAPluginsServer() throws Exception {
        ObjectNode settings = (ObjectNode) JsonFile.MAPPER.readTree("""
                {"hooks": {"Stop": [{"hooks": [
                  {"type": "mcp_tool", "server": "claude-mesh", "tool": "x", "input": {"event": "${hook_event_name}"}},
                  {"type": "mcp_tool", "server": "someone-else", "tool": "y"}
                ]}]}}""");
        PluginFiles.forPlugin(settings);
        JsonNode handlers = settings.path("hooks").path("Stop").get(0).path("hooks");
        assertEquals("plugin:claude-mesh:claude-mesh", handlers.get(0).path("server").asText());
        assertEquals("${hook_event_name}", handlers.get(0).path("input").path("event").asText());
        assertEquals("someone-else", handlers.get(1).path("server").asText());
    }

    @Test
    void writeReplacesTheGeneratedFilesWhole() throws Exception {
        Files.createDirectories(tmp.resolve("hooks"));
        Files.writeString(tmp.resolve("hooks").resolve("hooks.json"), "{\"stale\": true, \"and\": \"much longer than the new file will be".repeat(50));
        PluginFiles.write(tmp);
        assertEquals(PluginFiles.render().get("hooks/hooks.json"), Files.readString(tmp.resolve("hooks").resolve("hooks.json")));
        assertEquals(PluginFiles.render().get(".mcp.json"), Files.readString(tmp.resolve(".mcp.json")));
    }
}
