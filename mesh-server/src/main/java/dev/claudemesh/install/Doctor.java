package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.config.ConfigException;
import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Setting;
import dev.claudemesh.config.Settings;
import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.config.ChannelMode;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.store.Stores;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code claude-mesh doctor}: checks, one line each, what a session needs: a Java the launchers can use, a
 * usable database, the MCP server registered and answering, the hooks registered and pointing at launchers
 * that exist, a valid project name no other live session holds, and how channels are set. It changes nothing
 * (the server it starts runs on a throwaway database).
 */
public final class Doctor {
    private final UserFiles home;
    private final Path project;
    private final Installation here;
    private final Settings settings;
    private final Duration serverTimeout;
    private MeshConfig config;
    private List<PluginInstall> plugins = List.of();

    public Doctor(UserFiles home, Path project, Installation here, Settings settings, Duration serverTimeout) {
        this.home = home;
        this.project = project;
        this.here = here;
        this.settings = settings;
        this.serverTimeout = serverTimeout;
    }

    public List<Check> run() {
        List<Check> checks = new ArrayList<>();
        checks.add(java());
        checks.add(dotEnv());
        settings.dotEnvFile().ifPresent(f -> Settings.dotEnvProblems(f).forEach(p -> checks.add(Check.warn(".env", p))));
        try {
            config = MeshConfig.from(settings);
        } catch (ConfigException e) {
            // Every process would refuse to start; report it, and check the rest with the defaults.
            checks.add(Check.fail("configuration", e.getMessage(), "fix it in the environment or in "
                    + settings.dotEnvFile().map(Path::toString).orElse(".env")));
            Map<String, String> env = new HashMap<>();
            settings.environment(dev.claudemesh.config.Home.VARIABLE).ifPresent(h -> env.put(dev.claudemesh.config.Home.VARIABLE, h));
            settings.get(MeshConfig.DB_PATH).ifPresent(v -> env.put(MeshConfig.DB_PATH, v));
            config = MeshConfig.from(Settings.of(env, Map.of()));
        }
        checks.add(config.dbUrl().isPresent() ? DatabaseCheck.of(config.dbUrl().get()) : DatabaseCheck.of(config.dbPath()));
        checks.addAll(plugin());
        Optional<ServerEntry> entry = serverEntry(checks);
        checks.add(server(entry));
        checks.addAll(hooks());
        checks.add(project());
        checks.addAll(projectFileKeys());
        checks.add(channels(entry));
        return checks;
    }

    // ------------------------------------------------------------------ java

    private Check java() {
        Runtime.Version v = Runtime.version();
        String where = ProcessHandle.current().info().command().orElse("java");
        if (v.feature() < 17) {
            return Check.fail("java", v + " at " + where + " is too old", "install a JDK 17 or newer, or set JAVA_HOME to one");
        }
        return Check.ok("java", v + " at " + where);
    }

    /** Which .env every session reads, if any; one they ignore (another user could have written it) is a failure. */
    private Check dotEnv() {
        if (settings.ignoredDotEnv().isPresent()) {
            var p = settings.ignoredDotEnv().get();
            return Check.fail(".env", "ignored by every session: " + p.what(), p.fix());
        }
        return Check.ok(".env", settings.dotEnvFile().map(f -> f + " (its values apply where the environment sets none)")
                .orElse("none above the installation; the environment and defaults apply"));
    }

    // ------------------------------------------------------------------ the MCP server

    /** Our server entry as Claude Code would pick it: local scope, then project, then user. */
    private record ServerEntry(String where, JsonNode entry) {
        List<String> command() {
            List<String> cmd = new ArrayList<>();
            cmd.add(entry.path("command").asText());
            entry.path("args").forEach(a -> cmd.add(a.asText()));
            return cmd;
        }

        Map<String, String> env() {
            Map<String, String> env = new HashMap<>();
            entry.path("env").properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
            return env;
        }
    }

    private Optional<ServerEntry> serverEntry(List<Check> checks) {
        String name = "mcp server";
        Path user = Scope.USER.mcpFile(home, project);
        Path shared = Scope.PROJECT.mcpFile(home, project);
        Optional<ServerEntry> found;
        try {
            JsonNode userConfig = read(user);
            JsonNode local = userConfig.path("projects").path(project.toString());
            found = McpServerEntry.find(local).map(e -> new ServerEntry(user + " (projects." + project + ")", e))
                    .or(() -> McpServerEntry.find(read(shared)).map(e -> new ServerEntry(shared.toString(), e)))
                    .or(() -> McpServerEntry.find(userConfig).map(e -> new ServerEntry(user.toString(), e)));
        } catch (ConfigException e) {
            checks.add(Check.fail(name, e.getMessage(), "fix that file by hand"));
            return Optional.empty();
        }
        if (found.isEmpty() && !plugins.isEmpty()) {
            // Installed as a plugin only: its server is the one to probe (the plugin check above said where it is).
            PluginInstall p = plugins.get(0);
            ObjectNode synthetic = JsonFile.MAPPER.createObjectNode();
            synthetic.put("command", p.launcher(McpServerEntry.LAUNCHER).map(Path::toString).orElse(""));
            checks.add(Check.ok(name, "mcpServers." + McpServerEntry.NAME + " of the plugin " + p.id() + " runs "
                    + synthetic.path("command").asText()));
            return Optional.of(new ServerEntry("the plugin " + p.id(), synthetic));
        }
        if (found.isPresent() && !plugins.isEmpty()) {
            PluginInstall p = plugins.get(0);
            checks.add(Check.fail("installed twice", "as the plugin " + p.id() + " (" + p.settings() + ") and by install ("
                    + found.get().where() + "): every session starts two claude-mesh servers, joins the mesh twice and runs "
                    + "every hook twice", "keep one: " + here.launcher("claude-mesh") + " uninstall, or claude plugin uninstall " + p.id()));
        }
        if (found.isEmpty()) {
            checks.add(Check.fail(name, "mcpServers." + McpServerEntry.NAME + " is in neither " + user + " nor " + shared
                    + ", and no claude-mesh plugin is enabled", here.launcher("claude-mesh") + " install (or install the plugin: see docs/setup.md)"));
            return found;
        }
        ServerEntry e = found.get();
        String command = e.entry().path("command").asText();
        if (!McpServerEntry.isOurs(e.entry())) {
            checks.add(Check.fail(name, "mcpServers." + McpServerEntry.NAME + " in " + e.where() + " runs '" + command
                    + "', not a claude-mesh launcher", "remove that entry, then run " + here.launcher("claude-mesh") + " install"));
            return found;
        }
        Optional<Check> launcher = launcherProblem(name, Path.of(command), here.launcher("claude-mesh") + " install", false);
        checks.add(launcher.orElse(Check.ok(name, "mcpServers." + McpServerEntry.NAME + " in " + e.where() + " runs " + command)));
        return found;
    }

    private Check server(Optional<ServerEntry> entry) {
        List<String> command = entry.map(ServerEntry::command).orElse(List.of(here.launcher(McpServerEntry.LAUNCHER).toString()));
        Map<String, String> env = entry.map(ServerEntry::env).orElse(Map.of());
        ServerProbe.Result r = ServerProbe.run(command, env, serverTimeout);
        String what = String.join(" ", command);
        return r.ok() ? Check.ok("server", what + " " + r.detail())
                : Check.fail("server", what + " " + r.detail(), "run " + what + " by hand to see why it fails");
    }

    // ------------------------------------------------------------------ the plugin

    /** claude-mesh as a Claude Code plugin: enabled where, running from where, and built. */
    private List<Check> plugin() {
        List<Path> files = List.of(Scope.USER.settingsFile(home, project), Scope.PROJECT.settingsFile(home, project),
                project.resolve(".claude").resolve("settings.local.json"));
        try {
            plugins = PluginInstall.find(home, files);
        } catch (ConfigException e) {
            return List.of(Check.fail("plugin", e.getMessage(), "fix that file by hand"));
        }
        List<Check> checks = new ArrayList<>();
        for (PluginInstall p : plugins) {
            String name = "plugin";
            Optional<Path> launcher = p.launcher(McpServerEntry.LAUNCHER);
            if (launcher.isEmpty()) {
                checks.add(Check.fail(name, p.id() + " is enabled in " + p.settings() + " but Claude Code's records do not say "
                        + "where it is", "claude plugin uninstall " + p.id() + ", then install it again"));
                continue;
            }
            Optional<Check> problem = launcherProblem(name, launcher.get(), "claude plugin update " + p.id(), false);
            if (problem.isEmpty() && p.hooksFile().filter(Files::isRegularFile).isEmpty()) {
                problem = Optional.of(Check.fail(name, p.hooksFile().get() + " is missing, so the plugin registers no hooks",
                        "(cd '" + here.root() + "' && ./mvnw -B -q package -DskipTests)"));
            }
            checks.add(problem.orElse(Check.ok(name, p.id() + " enabled in " + p.settings() + ", runs from " + p.root().get())));
        }
        return checks;
    }

    // ------------------------------------------------------------------ hooks

    private List<Check> hooks() {
        List<Path> files = List.of(Scope.USER.settingsFile(home, project), Scope.PROJECT.settingsFile(home, project),
                project.resolve(".claude").resolve("settings.local.json"));
        record Found(HookEntries.Registered hook, Path file) {
        }
        List<Check> checks = new ArrayList<>();
        List<Found> registered = new ArrayList<>();
        List<Path> guards = new ArrayList<>();
        for (Path f : files) {
            try {
                ObjectNode settings = JsonFile.read(f).edit();
                HookEntries.find(settings).forEach(r -> registered.add(new Found(r, f)));
                if (EditGuardHook.present(settings)) {
                    guards.add(f);
                }
            } catch (ConfigException e) {
                checks.add(Check.fail("hooks", e.getMessage(), "fix that file by hand; Claude Code cannot read its hooks either"));
            }
        }
        for (PluginInstall p : plugins) {
            try {
                p.hooks().forEach(r -> registered.add(new Found(r, p.hooksFile().orElseThrow())));
                Path file = p.hooksFile().orElseThrow();
                if (Files.isRegularFile(file) && EditGuardHook.present(JsonFile.read(file).edit(), PluginFiles.SERVER)) {
                    guards.add(file);
                }
            } catch (ConfigException e) {
                checks.add(Check.fail("hooks", e.getMessage(), "rebuild the checkout (./mvnw -B -q package -DskipTests) to write it again"));
            }
        }
        String install = here.launcher("claude-mesh") + " install";
        for (MeshHook hook : MeshHook.values()) {
            if (hook == MeshHook.PROMPT_TOOL || hook == MeshHook.STOP_TOOL) {
                continue; // checked with the command hook of the same role
            }
            String name = "hook " + hook.event + (hook == MeshHook.WAKE ? " (wake)" : "");
            MeshHook sameRole = hook == MeshHook.PROMPT ? MeshHook.PROMPT_TOOL : hook == MeshHook.STOP ? MeshHook.STOP_TOOL : null;
            List<Found> mine = registered.stream().filter(f -> f.hook().hook() == hook || f.hook().hook() == sameRole).toList();
            if (mine.isEmpty()) {
                checks.add(hook == MeshHook.WAKE
                        ? Check.ok(name, "not installed (optional: " + install + " --with-wake wakes idle sessions)")
                        : hook == MeshHook.TOOL_USE
                        ? Check.ok(name, "not installed (items reach a busy session at its next prompt or stop; "
                                + install + " --hooks=mcp brings questions after every tool call, Claude Code 2.1.118+)")
                        : Check.fail(name, hook.launcher + " is not registered (looked in " + files.get(0) + ", "
                                + files.get(1) + " and " + files.get(2).getFileName() + ")", install));
                continue;
            }
            if (sameRole != null && mine.stream().anyMatch(f -> f.hook().hook() == hook)
                    && mine.stream().anyMatch(f -> f.hook().hook() == sameRole)) {
                checks.add(Check.fail(name, "both " + hook.launcher + " and the mcp_tool hook are registered, so every "
                        + hook.event + " is answered twice", install + " --hooks=mcp (or --hooks=command) keeps one"));
                continue;
            }
            for (Found f : mine) {
                HookEntries.Registered r = f.hook();
                if (r.hook().isTool()) {
                    checks.add(Check.ok(name, r.hook().shown(here) + ", answered by the session's server (" + f.file() + ")"));
                    continue;
                }
                Optional<Check> problem = launcherProblem(name, r.path(), install, true);
                if (problem.isEmpty() && hook == MeshHook.WAKE
                        && !(r.handler().path("async").asBoolean() && r.handler().path("asyncRewake").asBoolean())) {
                    problem = Optional.of(Check.fail(name, r.path() + " in " + f.file() + " lacks \"async\": true and "
                            + "\"asyncRewake\": true, so every Stop waits for it", "set both to true in that file"));
                }
                checks.add(problem.orElse(Check.ok(name, r.path() + " (" + f.file() + ")")));
            }
        }
        String guard = "hook PreToolUse";
        if (guards.isEmpty()) {
            checks.add(Check.fail(guard, "the mcp_tool " + EditGuardHook.TOOL + " hook is not registered, so file leases "
                    + "are not enforced: another session's claim_files does not stop this session's edits", install));
        } else if (guards.size() > 1) {
            checks.add(Check.warn(guard, "registered " + guards.size() + " times (" + guards.stream().map(Path::toString)
                    .collect(java.util.stream.Collectors.joining(", ")) + "): every edit is checked that many times; keep one"));
        } else {
            checks.add(Check.ok(guard, "mcp_tool " + EditGuardHook.TOOL + " before " + EditGuardHook.MATCHER.replace("|", ", ")
                    + ", answered by the session's server (" + guards.get(0) + ")"));
        }
        return checks;
    }

    /** What is wrong with a registered launcher: missing, not executable, or its installation not built. */
    private Optional<Check> launcherProblem(String name, Path launcher, String install, boolean hook) {
        if (!Files.exists(launcher)) {
            return Optional.of(Check.fail(name, launcher + " does not exist (moved or deleted checkout?)",
                    install + " (points it at " + here.root() + ")"));
        }
        if (!Files.isExecutable(launcher)) {
            return Optional.of(Check.fail(name, launcher + " is not executable", "chmod +x '" + launcher + "'"));
        }
        Optional<Installation> of = Installation.ofLauncher(launcher);
        Path jar = of.map(i -> hook ? i.hooksJar() : i.serverJar()).orElse(null);
        if (jar != null && !Files.isRegularFile(jar)) {
            return Optional.of(Check.fail(name, jar + " is missing, so " + launcher.getFileName()
                    + (hook ? " does nothing" : " cannot start"), "(cd '" + of.get().root() + "' && ./mvnw -B -q package -DskipTests)"));
        }
        return Optional.empty();
    }

    // ------------------------------------------------------------------ project

    private Check project() {
        String name = "project name";
        Path file = project.resolve(ProjectIdentity.PROJECT_FILE);
        String peerName;
        String origin;
        try {
            Optional<String> written = Files.isRegularFile(file) ? ProjectIdentity.readName(file) : Optional.empty();
            peerName = written.orElseGet(() -> ProjectIdentity.of(project).baseName());
            origin = written.isPresent() ? "from " + file : Files.isRegularFile(file) ? "from the directory (" + file
                    + " sets no name)" : "from the directory (no " + ProjectIdentity.PROJECT_FILE + ")";
        } catch (ConfigException e) {
            String init = here.launcher("claude-mesh") + " init NAME";
            return Check.fail(name, e.getMessage(), e.getMessage().contains("not valid JSON")
                    ? "correct the file, or delete it and run " + init : init);
        }
        Path db = config.dbPath();
        if (config.dbUrl().isEmpty() && !Files.isRegularFile(db)) {
            return Check.ok(name, "'" + peerName + "' " + origin + "; free (no mesh yet)");
        }
        try (MeshStore store = Stores.open(config)) {
            Mesh mesh = Mesh.of(store, config);
            Optional<Peer> holder = mesh.holderElsewhere(peerName, project.toString());
            if (holder.isPresent()) {
                return Check.fail(name, "'" + peerName + "' " + origin + " is held by a live session of "
                                + holder.get().projectPath() + ", so a session here would be '" + PeerNames.numbered(peerName, 2) + "' or later",
                        here.launcher("claude-mesh") + " init OTHER-NAME");
            }
            return Check.ok(name, "'" + peerName + "' " + origin + "; no live session of another project holds it");
        } catch (RuntimeException e) {
            return Check.ok(name, "'" + peerName + "' " + origin + "; could not check who holds it (" + e.getMessage() + ")");
        }
    }

    /** Keys of .claude-mesh.json that nothing reads (only "name" is): {"nam": "x"} names no session. */
    private List<Check> projectFileKeys() {
        Path file = project.resolve(ProjectIdentity.PROJECT_FILE);
        List<Check> out = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        JsonNode root;
        try {
            root = new com.fasterxml.jackson.databind.ObjectMapper().readTree(file.toFile());
        } catch (java.io.IOException e) {
            return out; // project() has said what is wrong with it
        }
        if (root == null || !root.isObject()) {
            return out;
        }
        root.fieldNames().forEachRemaining(key -> {
            if (!key.equals("name")) {
                boolean typo = Setting.distance(key.toLowerCase(java.util.Locale.ROOT), "name") <= 2;
                out.add(Check.warn("project file", file + ": unknown key \"" + PeerNames.printable(key) + "\" (only \"name\" is read)"
                        + "; fix: " + (typo ? "rename it to \"name\"" : "remove it") + ", or run "
                        + here.launcher("claude-mesh") + " init NAME"));
            }
        });
        return out;
    }

    // ------------------------------------------------------------------ channels

    private Check channels(Optional<ServerEntry> entry) {
        String name = "channels";
        String fromEntry = entry.map(e -> e.env().get(MeshConfig.CHANNEL)).orElse(null);
        String value = fromEntry != null ? fromEntry : settings.get(MeshConfig.CHANNEL).orElse("auto");
        String where = fromEntry != null ? "the server's env in " + entry.get().where()
                : System.getenv(MeshConfig.CHANNEL) != null ? "this environment" : settings.dotEnvFile().map(Path::toString).orElse("");
        // The name auto mode looks for: MESH_SERVER_NAME from the server's env or the settings, as the server reads it.
        String serverName = entry.map(e -> e.env().get(MeshConfig.SERVER_NAME))
                .or(() -> settings.get(MeshConfig.SERVER_NAME)).orElse(McpServerEntry.NAME);
        String launch = ChannelMode.launchCommand(serverName);
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> Check.ok(name, "auto: items arrive as channel events in sessions started with `" + launch
                    + "`, through hooks otherwise");
            case "on" -> Check.ok(name, "on, forced by " + MeshConfig.CHANNEL + " in " + where + ": items are pushed as channel "
                    + "events even to sessions not started with `" + launch + "`, which drop them");
            case "off" -> Check.ok(name, "off, forced by " + MeshConfig.CHANNEL + " in " + where + "; items arrive through hooks");
            default -> Check.fail(name, MeshConfig.CHANNEL + "='" + value + "' in " + where + " is not on, off or auto, so the server "
                    + "refuses to start", "set it to auto, or remove it");
        };
    }

    private static JsonNode read(Path file) {
        return JsonFile.read(file).edit();
    }
}
