package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.config.ConfigException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Claude Code plugin's generated files ({@code plugin/.mcp.json} and {@code plugin/hooks/hooks.json}),
 * written by the build. They are not a second list of hooks: they are what {@code install} would write into a
 * fresh project, taken from the installer's own plan, with every launcher pointed at
 * {@code ${CLAUDE_PLUGIN_ROOT}/bin/}. So whatever hooks and server entry install registers, the plugin
 * bundles the same.
 *
 * <p>Claude Code replaces {@code ${CLAUDE_PLUGIN_ROOT}} in a hook's command outside single quotes only (checked
 * in 2.1.328), so a command is the launcher in double quotes; in {@code .mcp.json} the command is a bare path.
 * For a marketplace that is a local directory the root is that directory itself, not a copy.
 */
public final class PluginFiles {
    /** The plugin's name (also its marketplace's): {@code claude plugin install claude-mesh@claude-mesh}. */
    public static final String NAME = "claude-mesh";
    static final String ROOT = "${CLAUDE_PLUGIN_ROOT}";
    /**
     * What Claude Code calls the plugin's server: {@code plugin:PLUGIN:SERVER}. An {@code mcp_tool} hook of the plugin
     * must name it so; {@code "server": "claude-mesh"} is "not connected" and skipped (checked in 2.1.328).
     */
    static final String SERVER = "plugin:" + NAME + ":" + McpServerEntry.NAME;

    private PluginFiles() {
    }

    /** File name (relative to the plugin directory) to content. */
    public static Map<String, String> render() {
        Path scratch;
        try {
            // An empty project for the plan to read: install into nothing, so the plan holds only our entries.
            scratch = Files.createTempDirectory("claude-mesh-plugin");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Installer.Plan plan = Installer.install(Scope.PROJECT, new UserFiles(scratch.resolve("unused.json"),
                    scratch.resolve("unused-settings.json")), scratch, new Installation(Path.of(ROOT)), false,
                    // mcp_tool hooks: the plugin's PreToolUse edit guard needs a Claude Code that has them anyway.
                    MeshHook.Kind.MCP);
            Path mcpFile = Scope.PROJECT.mcpFile(null, scratch);
            Path settingsFile = Scope.PROJECT.settingsFile(null, scratch);
            ObjectNode servers = null;
            ObjectNode hooks = null;
            for (FileEdit edit : plan.edits()) {
                if (edit.path().equals(mcpFile)) {
                    servers = parse(edit);
                } else if (edit.path().equals(settingsFile)) {
                    hooks = parse(edit);
                }
            }
            if (servers == null || hooks == null) {
                throw new IllegalStateException("the install plan has no MCP or settings file: " + plan.edits());
            }
            forPlugin(hooks);
            return Map.of(".mcp.json", render(servers), "hooks/hooks.json", render(hooks));
        } finally {
            try (var files = Files.walk(scratch)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temporary directory left behind
            }
        }
    }

    /** Writes the generated files into {@code pluginDir}, each replaced whole. */
    public static void write(Path pluginDir) throws IOException {
        for (Map.Entry<String, String> f : render().entrySet()) {
            Path target = pluginDir.resolve(f.getKey());
            Files.createDirectories(target.getParent());
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.writeString(tmp, f.getValue(), StandardCharsets.UTF_8);
            Files.move(tmp, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    /** The build's entry point: {@code PluginFiles PLUGIN-DIR}. */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: PluginFiles PLUGIN-DIR");
        }
        write(Path.of(args[0]));
    }

    private static ObjectNode parse(FileEdit edit) {
        try {
            JsonNode n = JsonFile.MAPPER.readTree(edit.after());
            if (n instanceof ObjectNode o) {
                return o;
            }
        } catch (IOException e) {
            throw new ConfigException("the install plan for " + edit.path() + " is not JSON: " + e.getMessage());
        }
        throw new ConfigException("the install plan for " + edit.path() + " is not a JSON object");
    }

    /**
     * Command handlers run the launcher, double-quoted so Claude Code fills in the root (see the class comment);
     * {@code mcp_tool} handlers name our server as Claude Code names a plugin's ({@link #SERVER}).
     */
    static void forPlugin(ObjectNode settings) {
        for (JsonNode groups : settings.path("hooks")) {
            for (JsonNode group : groups) {
                for (JsonNode handler : group.path("hooks")) {
                    if (handler instanceof ObjectNode h && h.path("command").isTextual()) {
                        String path = LauncherCommand.path(h.get("command").asText());
                        if (path.startsWith(ROOT + "/")) {
                            h.put("command", "\"" + path + "\"");
                        }
                    }
                    if (handler instanceof ObjectNode h && "mcp_tool".equals(h.path("type").asText())
                            && McpServerEntry.NAME.equals(h.path("server").asText())) {
                        h.put("server", SERVER);
                    }
                }
            }
        }
    }

    private static String render(ObjectNode node) {
        try {
            return JsonFile.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
