package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.config.ConfigException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * claude-mesh installed as a Claude Code plugin ({@code claude plugin install claude-mesh@MARKETPLACE}), as
 * Claude Code 2.1.328 records it: {@code "enabledPlugins": {"claude-mesh@M": true}} in a settings file, the
 * marketplace in {@code plugins/known_marketplaces.json} and the copy in {@code plugins/installed_plugins.json}
 * (both beside the user's settings.json, so under CLAUDE_CONFIG_DIR when that is set). A plugin from a
 * marketplace that is a local directory runs from that directory, not from the copy.
 *
 * @param id       {@code claude-mesh@MARKETPLACE}
 * @param settings the settings file that enables it
 * @param root     what {@code ${CLAUDE_PLUGIN_ROOT}} is for it, when it can be told
 */
public record PluginInstall(String id, Path settings, Optional<Path> root) {

    /** The enabled claude-mesh plugins, from the settings files in {@code settingsFiles} (user scope first). */
    static List<PluginInstall> find(UserFiles home, List<Path> settingsFiles) {
        List<PluginInstall> found = new ArrayList<>();
        for (Path f : settingsFiles) {
            JsonNode enabled = JsonFile.read(f).edit().path("enabledPlugins");
            enabled.properties().forEach(e -> {
                if (e.getKey().startsWith(PluginFiles.NAME + "@") && e.getValue().asBoolean(false)) {
                    found.add(new PluginInstall(e.getKey(), f, root(home, e.getKey())));
                }
            });
        }
        return found;
    }

    /** The plugin's server launcher, {@code ROOT/bin/claude-mesh-server}. */
    Optional<Path> launcher(String name) {
        return root.map(r -> r.resolve("bin").resolve(name));
    }

    /** The hooks the plugin registers (its {@code hooks/hooks.json}), with the root filled in. */
    List<HookEntries.Registered> hooks() {
        if (root.isEmpty()) {
            return List.of();
        }
        Path file = hooksFile().orElseThrow();
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        ObjectNode settings = JsonFile.read(file).edit();
        List<HookEntries.Registered> out = new ArrayList<>();
        for (HookEntries.Registered r : HookEntries.find(settings)) {
            String command = r.command().replace(PluginFiles.ROOT, root.get().toString());
            out.add(new HookEntries.Registered(r.hook(), command, r.handler()));
        }
        return out;
    }

    Optional<Path> hooksFile() {
        return root.map(r -> r.resolve("hooks").resolve("hooks.json"));
    }

    private static Optional<Path> root(UserFiles home, String id) {
        String marketplace = id.substring(id.indexOf('@') + 1);
        Path plugins = home.settingsFile().resolveSibling("plugins");
        try {
            JsonNode known = JsonFile.read(plugins.resolve("known_marketplaces.json")).edit().path(marketplace);
            if ("directory".equals(known.path("source").path("source").asText())) {
                Path dir = Path.of(known.path("installLocation").asText(known.path("source").path("path").asText()));
                JsonNode listed = JsonFile.read(dir.resolve(".claude-plugin").resolve("marketplace.json")).edit();
                for (JsonNode p : listed.path("plugins")) {
                    if (PluginFiles.NAME.equals(p.path("name").asText()) && p.path("source").isTextual()) {
                        return Optional.of(dir.resolve(p.path("source").asText()).normalize());
                    }
                }
            }
            for (JsonNode copy : JsonFile.read(plugins.resolve("installed_plugins.json")).edit().path("plugins").path(id)) {
                if (copy.path("installPath").isTextual()) {
                    return Optional.of(Path.of(copy.path("installPath").asText()));
                }
            }
        } catch (ConfigException | java.nio.file.InvalidPathException e) {
            // Claude Code's own bookkeeping is unreadable: the plugin is enabled, where it runs from is unknown.
        }
        return Optional.empty();
    }
}
