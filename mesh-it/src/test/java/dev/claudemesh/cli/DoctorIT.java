package dev.claudemesh.cli;

import dev.claudemesh.testing.MeshCli;
import dev.claudemesh.testing.MeshCli.Run;
import dev.claudemesh.testing.MeshFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code claude-mesh doctor} after a real install in a temporary HOME: it passes, and when one part is
 * broken it fails (exit 1) on the line naming that part, with a fix, and only there.
 */
// Doctor's file checks; its PostgreSQL line is tested in PostgresMeshIT.
@org.junit.jupiter.api.Tag("sqlite-only")
class DoctorIT {
    static final List<String> SUBJECTS = List.of("java", ".env", "database", "mcp server", "server", "hook SessionStart",
            "hook UserPromptSubmit", "hook Stop", "hook SessionEnd", "hook PostToolUse", "hook Stop (wake)", "hook PreToolUse", "project name", "channels");

    @TempDir
    Path tmp;
    Path home;
    Path project;
    MeshFixture mesh;
    Path bin;
    final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void install() throws Exception {
        home = Files.createDirectories(tmp.resolve("home"));
        project = Files.createDirectories(tmp.resolve("work").resolve("app")).toRealPath();
        mesh = new MeshFixture(Files.createDirectories(tmp.resolve("mesh")));
        bin = MeshFixture.repoRoot().resolve("bin").toRealPath();
        env.put("HOME", home.toString());
        env.put("MESH_DB_PATH", mesh.db.toString());
        Run r = cli("install");
        assertEquals(0, r.exit(), r.toString());
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    Run cli(String... args) throws Exception {
        return MeshCli.run(project, env, args);
    }

    Run doctor(String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "doctor";
        System.arraycopy(args, 0, all, 1, args.length);
        return cli(all);
    }

    /** subject -> its line, for the check lines of the output. */
    static Map<String, String> lines(Run r) {
        return r.outLines().stream().filter(l -> l.startsWith("ok ") || l.startsWith("FAIL "))
                .collect(Collectors.toMap(l -> l.substring(6, 27).strip(), l -> l, (a, b) -> a + "\n" + b));
    }

    /** Asserts that exactly the given subjects failed, and returns the lines. */
    static Map<String, String> failing(Run r, String... subjects) {
        assertEquals(1, r.exit(), r.toString());
        Map<String, String> lines = lines(r);
        Set<String> failed = lines.entrySet().stream().filter(e -> e.getValue().startsWith("FAIL"))
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        assertEquals(Set.of(subjects), failed, r.out());
        for (String s : subjects) {
            assertTrue(lines.get(s).contains("; fix: "), "a failure says what to do: " + lines.get(s));
        }
        assertTrue(r.out().contains(subjects.length + (subjects.length == 1 ? " problem" : " problems") + " found."), r.out());
        return lines;
    }

    @Test
    void doctorPassesAfterInstallWithOneLinePerCheck() throws Exception {
        Run r = doctor();

        assertEquals(0, r.exit(), r.toString());
        Map<String, String> lines = lines(r);
        assertEquals(Set.copyOf(SUBJECTS), lines.keySet(), r.out());
        lines.values().forEach(l -> assertTrue(l.startsWith("ok "), l));
        assertTrue(lines.get("java").contains(String.valueOf(Runtime.version().feature())), lines.get("java"));
        assertTrue(lines.get("database").contains(mesh.db + ", mode rw-------, schema version 4 (current)"), lines.get("database"));
        assertTrue(lines.get("mcp server").contains(home.resolve(".claude.json") + " runs " + bin.resolve("claude-mesh-server")),
                lines.get("mcp server"));
        assertTrue(lines.get("server").contains("answered initialize in"), lines.get("server"));
        assertTrue(lines.get("hook Stop").contains(bin + "/claude-mesh-inbox-poll"), lines.get("hook Stop"));
        assertTrue(lines.get("project name").contains("'app' from the directory"), lines.get("project name"));
        assertTrue(lines.get("channels").startsWith("ok    channels               auto: "), lines.get("channels"));
        assertTrue(r.out().endsWith("All good.\n"), r.out());
    }

    @Test
    void beforeInstallTheServerEntryAndEveryHookAreNamed() throws Exception {
        assertEquals(0, cli("uninstall").exit());

        Map<String, String> lines = failing(doctor(), "mcp server", "hook SessionStart", "hook UserPromptSubmit", "hook Stop",
                "hook SessionEnd", "hook PreToolUse");

        assertTrue(lines.get("hook SessionEnd").endsWith("; fix: " + bin.resolve("claude-mesh") + " install"), lines.get("hook SessionEnd"));
        assertTrue(lines.get("server").startsWith("ok "), "this checkout's server still starts: " + lines.get("server"));
    }

    @Test
    void aHookWhoseLauncherIsGoneIsNamedWithItsPath() throws Exception {
        Path settings = home.resolve(".claude/settings.json");
        String text = Files.readString(settings);
        int stop = text.indexOf("\"Stop\"");
        Files.writeString(settings, text.substring(0, stop)
                + text.substring(stop).replaceFirst(java.util.regex.Pattern.quote(bin + "/claude-mesh-inbox-poll"), "/gone/bin/claude-mesh-inbox-poll"));

        Map<String, String> lines = failing(doctor(), "hook Stop");

        assertTrue(lines.get("hook Stop").contains("/gone/bin/claude-mesh-inbox-poll does not exist"), lines.get("hook Stop"));
        assertTrue(lines.get("hook Stop").contains("install (points it at " + MeshFixture.repoRoot().toRealPath() + ")"), lines.get("hook Stop"));
    }

    @Test
    void withAClaudeCodeThatHasMcpToolHooksInstallWritesThemByDefaultAndDoctorPasses() throws Exception {
        Path claude = Files.createDirectories(tmp.resolve("fake-claude")).resolve("claude");
        Files.writeString(claude, "#!/bin/sh\necho '2.1.328 (Claude Code)'\n");
        claude.toFile().setExecutable(true);
        env.put("CLAUDE_MESH_CLAUDE", claude.toString());
        Run install = cli("install"); // --hooks=auto, the default
        assertEquals(0, install.exit(), install.toString());
        assertTrue(install.out().contains("hooks: Claude Code 2.1.328 (Claude Code) has mcp_tool hooks"), install.out());

        Run r = doctor();
        assertEquals(0, r.exit(), r.toString());
        Map<String, String> lines = lines(r);
        for (String hook : List.of("hook UserPromptSubmit", "hook PostToolUse", "hook Stop")) {
            assertTrue(lines.get(hook).startsWith("ok ") && lines.get(hook).contains("mcp_tool claude-mesh/hook_delivery"), lines.get(hook));
        }
        assertTrue(lines.get("hook SessionStart").contains(bin.resolve("claude-mesh-session-start").toString()), lines.get("hook SessionStart"));
    }

    @Test
    void aSettingsFileWithBothKindsOfHookForOneEventFails() throws Exception {
        Path settings = home.resolve(".claude/settings.json");
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) MeshFixture.JSON.readTree(Files.readString(settings));
        com.fasterxml.jackson.databind.node.ObjectNode h = ((com.fasterxml.jackson.databind.node.ArrayNode) json.path("hooks").path("Stop"))
                .addObject().putArray("hooks").addObject();
        h.put("type", "mcp_tool").put("server", "claude-mesh").put("tool", "hook_delivery");
        Files.writeString(settings, MeshFixture.JSON.writeValueAsString(json));

        Map<String, String> lines = failing(doctor(), "hook Stop");

        assertTrue(lines.get("hook Stop").contains("answered twice"), lines.get("hook Stop"));
        assertTrue(lines.get("hook Stop").contains("install --hooks=mcp"), lines.get("hook Stop"));
    }

    @Test
    void theEditGuardIsReportedAndItsAbsenceIsAFailure() throws Exception {
        Map<String, String> installed = lines(doctor());
        assertTrue(installed.get("hook PreToolUse").contains("mcp_tool check_edit before Edit, Write, MultiEdit, NotebookEdit, "
                + "answered by the session's server (" + home.resolve(".claude/settings.json") + ")"), installed.get("hook PreToolUse"));

        Path settings = home.resolve(".claude/settings.json");
        Files.writeString(settings, Files.readString(settings).replace("\"check_edit\"", "\"something_else\""));
        Map<String, String> lines = failing(doctor(), "hook PreToolUse");

        String line = lines.get("hook PreToolUse");
        assertTrue(line.contains("file leases are not enforced") && line.endsWith("; fix: " + bin.resolve("claude-mesh") + " install"), line);
    }

    @Test
    void aMissingHookIsNamed() throws Exception {
        Path settings = home.resolve(".claude/settings.json");
        String text = Files.readString(settings);
        Files.writeString(settings, text.replace(bin + "/claude-mesh-session-end", "/usr/bin/true"));

        Map<String, String> lines = failing(doctor(), "hook SessionEnd");

        assertTrue(lines.get("hook SessionEnd").contains("claude-mesh-session-end is not registered"), lines.get("hook SessionEnd"));
    }

    @Test
    void aServerThatFailsToStartIsNamedWithItsError() throws Exception {
        Path fake = fakeLauncher("broken", "echo 'claude-mesh-server: cannot open the mesh: boom' >&2; exit 1");

        Map<String, String> lines = failing(doctor(), "mcp server", "server");

        assertTrue(lines.get("mcp server").contains("claude-mesh-server.jar is missing"), lines.get("mcp server"));
        assertTrue(lines.get("server").contains(fake + " exited with code 1 before answering initialize: "
                + "claude-mesh-server: cannot open the mesh: boom"), lines.get("server"));
    }

    @Test
    void aServerThatNeverAnswersIsStoppedAndNothingIsLeftRunning() throws Exception {
        Path pidFile = tmp.resolve("hung.pid");
        fakeLauncher("hung", "echo $$ > '" + pidFile + "'; exec sleep 300");

        Map<String, String> lines = failing(doctor("--timeout", "2"), "mcp server", "server");

        assertTrue(lines.get("server").contains("did not answer initialize within 2 s"), lines.get("server"));
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertTrue(ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "the probe's server (pid " + pid + ") is gone");
    }

    @Test
    void theRealServerDoctorStartsIsGoneWhenDoctorReturns() throws Exception {
        Set<Long> before = servers();
        assertEquals(0, doctor().exit());
        Set<Long> after = servers();
        after.removeAll(before);
        assertEquals(Set.of(), after, "server processes left behind");
    }

    @Test
    void aDatabaseOtherUsersCanWriteIsNamed() throws Exception {
        Files.setPosixFilePermissions(mesh.db, PosixFilePermissions.fromString("rw-rw-rw-"));

        Map<String, String> lines = failing(doctor(), "database");

        assertTrue(lines.get("database").contains("writable by other users (mode rw-rw-rw-)"), lines.get("database"));
        assertTrue(lines.get("database").endsWith("fix: chmod go-w '" + mesh.db + "'"), lines.get("database"));
    }

    @Test
    void aDatabaseDirectoryOtherUsersCanWriteIsNamed() throws Exception {
        Path dir = mesh.db.getParent();
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

        Map<String, String> lines = failing(doctor(), "database");

        assertTrue(lines.get("database").contains("the mesh database directory " + dir + " is writable by other users "
                + "(mode rwxrwxrwx)"), lines.get("database"));
        assertTrue(lines.get("database").contains("fix: chmod go-w '" + dir + "'"), lines.get("database"));
    }

    @Test
    void aDotEnvOtherUsersCanWriteIsNamedAndTheOneInUseIsShown() throws Exception {
        Path install = MeshCli.copyInstallation(tmp.resolve("install"));
        Path dotEnv = Files.writeString(install.resolve(".env"), "MESH_SERVER_NAME=claude-mesh\n");
        Files.setPosixFilePermissions(dotEnv, PosixFilePermissions.fromString("rw-------"));
        env.put("CLAUDE_MESH_NO_CACHE", "1");

        Run used = MeshCli.runLauncher(install.resolve("bin/claude-mesh"), project, env, "doctor");
        Files.setPosixFilePermissions(dotEnv, PosixFilePermissions.fromString("rw-rw-rw-"));
        Run ignored = MeshCli.runLauncher(install.resolve("bin/claude-mesh"), project, env, "doctor");

        assertEquals(0, used.exit(), used.toString());
        assertTrue(lines(used).get(".env").startsWith("ok    .env                   " + dotEnv), used.out());
        Map<String, String> lines = failing(ignored, ".env");
        assertTrue(lines.get(".env").contains("ignored by every session: " + dotEnv + " is writable by other users (mode rw-rw-rw-)"),
                lines.get(".env"));
        assertTrue(lines.get(".env").endsWith("fix: chmod go-w '" + dotEnv + "'"), lines.get(".env"));
    }

    @Test
    void dotEnvLinesNothingReadsAndUnknownProjectFileKeysAreWarningsNamingTheLineAndTheFix() throws Exception {
        Path install = MeshCli.copyInstallation(tmp.resolve("install"));
        Path dotEnv = Files.writeString(install.resolve(".env"), "# mine\nMESH_SERVER_NAME=claude-mesh\nsome garbage\n"
                + "MESH_DB_PTH=/tmp/elsewhere.db\nCLAUDE_MESH_NO_CACHE=1\n");
        Files.setPosixFilePermissions(dotEnv, PosixFilePermissions.fromString("rw-------"));
        Files.writeString(project.resolve(".claude-mesh.json"), "{\"nam\": \"x\"}");
        env.put("CLAUDE_MESH_NO_CACHE", "1");

        Run r = MeshCli.runLauncher(install.resolve("bin/claude-mesh"), project, env, "doctor");

        assertEquals(0, r.exit(), "warnings are not failures: " + r);
        List<String> warnings = r.outLines().stream().filter(l -> l.startsWith("warn ")).toList();
        assertEquals(4, warnings.size(), r.out());
        assertTrue(warnings.get(0).contains(dotEnv + " line 3: 'some garbage' is not KEY=VALUE"), warnings.get(0));
        assertTrue(warnings.get(1).contains(dotEnv + " line 4: MESH_DB_PTH is not a claude-mesh setting")
                && warnings.get(1).contains("did you mean MESH_DB_PATH?"), warnings.get(1));
        assertTrue(warnings.get(2).contains(dotEnv + " line 5: CLAUDE_MESH_NO_CACHE is read from the environment only"), warnings.get(2));
        assertTrue(warnings.get(3).contains(project.resolve(".claude-mesh.json") + ": unknown key \"nam\"")
                && warnings.get(3).contains("fix: rename it to \"name\""), warnings.get(3));
        assertTrue(r.out().endsWith("All good (4 warnings).\n"), r.out());
    }

    @Test
    void aSchemaNewerThanThisCheckoutIsNamed() throws Exception {
        try (var c = mesh.connect(); var s = c.createStatement()) {
            s.executeUpdate("UPDATE flyway_schema_history SET version = '99' WHERE installed_rank = "
                    + "(SELECT max(installed_rank) FROM flyway_schema_history)");
        }

        Map<String, String> lines = failing(doctor(), "database");

        assertTrue(lines.get("database").contains("schema version 99, newer than this installation's 4"), lines.get("database"));
    }

    @Test
    void aMalformedProjectFileIsNamed() throws Exception {
        Files.writeString(project.resolve(".claude-mesh.json"), "{\"name\": \"backend\",}");

        Map<String, String> lines = failing(doctor(), "project name");

        assertTrue(lines.get("project name").contains(project.resolve(".claude-mesh.json") + ": is not valid JSON"),
                lines.get("project name"));
    }

    @Test
    void aNameALiveSessionOfAnotherProjectHoldsIsNamed() throws Exception {
        Path other = mesh.project("backend").toRealPath();
        mesh.server(other);
        Files.writeString(project.resolve(".claude-mesh.json"), "{\"name\": \"Backend\"}");

        Map<String, String> lines = failing(doctor(), "project name");

        assertTrue(lines.get("project name").contains("'Backend' from " + project.resolve(".claude-mesh.json")
                + " is held by a live session of " + other + ", so a session here would be 'Backend-2'"), lines.get("project name"));
        assertTrue(lines.get("project name").endsWith("init OTHER-NAME"), lines.get("project name"));
    }

    @Test
    void channelsForcedByTheEnvironmentOrTheServerEntryAreReportedAsSuch() throws Exception {
        env.put("MESH_CHANNEL", "on");
        Run on = doctor();
        assertEquals(0, on.exit(), on.toString());
        assertTrue(lines(on).get("channels").contains("on, forced by MESH_CHANNEL in this environment"), on.out());

        env.remove("MESH_CHANNEL");
        Path claudeJson = home.resolve(".claude.json");
        Files.writeString(claudeJson, Files.readString(claudeJson).replace("\"env\": {}", "\"env\": {\n        \"MESH_CHANNEL\": \"off\"\n      }"));
        Run off = doctor();
        assertEquals(0, off.exit(), off.toString());
        assertTrue(lines(off).get("channels").contains("off, forced by MESH_CHANNEL in the server's env in " + claudeJson), off.out());
    }

    // ------------------------------------------------------------------ helpers

    /** Points mcpServers.claude-mesh at a script of ours standing in for the server launcher. */
    private Path fakeLauncher(String dir, String body) throws Exception {
        Path launcher = Files.createDirectories(tmp.resolve(dir).resolve("bin")).resolve("claude-mesh-server");
        Files.writeString(launcher, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path claudeJson = home.resolve(".claude.json");
        Files.writeString(claudeJson, Files.readString(claudeJson).replace(bin.resolve("claude-mesh-server").toString(), launcher.toString()));
        return launcher.toRealPath();
    }

    /**
     * Servers of this checkout that doctor started: their MESH_DB_PATH is in doctor's throw-away directory.
     * (Other checkouts on the machine may run tests meanwhile, and a launcher may train its start-up cache
     * with a server of its own.) Without /proc, every server of this checkout's jar.
     */
    private static Set<Long> servers() {
        String jar = MeshFixture.repoRoot().resolve("mesh-server/target/claude-mesh-server.jar").toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).contains("dev.claudemesh.mcp.ServerMain")
                        && List.of(a).contains(jar)).orElse(false))
                .filter(p -> startedByDoctor(p.pid()))
                .map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    private static boolean startedByDoctor(long pid) {
        Path environ = Path.of("/proc", String.valueOf(pid), "environ");
        if (!Files.isDirectory(Path.of("/proc", "self"))) {
            return true;
        }
        try {
            return new String(Files.readAllBytes(environ), java.nio.charset.StandardCharsets.UTF_8).contains("claude-mesh-doctor");
        } catch (java.io.IOException e) {
            return false; // gone meanwhile, or not ours to read
        }
    }
}
