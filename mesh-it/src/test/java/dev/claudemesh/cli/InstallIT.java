package dev.claudemesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.testing.MeshCli;
import dev.claudemesh.testing.MeshCli.Run;
import dev.claudemesh.testing.MeshFixture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code claude-mesh install} and {@code uninstall} run through {@code bin/claude-mesh} against a temporary
 * HOME (install reads $HOME, as Claude Code does) and a temporary mesh database.
 */
// Install edits Claude Code's settings files whatever the backend; once is enough.
@org.junit.jupiter.api.Tag("sqlite-only")
class InstallIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> HOOK_EVENTS = List.of("SessionStart", "UserPromptSubmit", "Stop", "SessionEnd");
    /** The command hooks' events, then the file-lease check's (an mcp_tool hook, which runs no launcher). */
    static final List<String> INSTALLED_EVENTS = List.of("SessionStart", "UserPromptSubmit", "Stop", "SessionEnd", "PreToolUse");

    /** ~/.claude.json as Claude Code writes it (JSON.stringify, 2 spaces, no final newline), with another server. */
    static final String CLAUDE_JSON = """
            {
              "numStartups": 12,
              "installMethod": "npm",
              "mcpServers": {
                "github": {
                  "type": "stdio",
                  "command": "npx",
                  "args": [
                    "-y",
                    "@modelcontextprotocol/server-github"
                  ],
                  "env": {}
                }
              },
              "projects": {
                "/home/u/app": {
                  "allowedTools": [],
                  "history": [
                    {
                      "display": "fix the build ✓",
                      "pastedContents": {}
                    }
                  ]
                }
              },
              "oauthAccount": {
                "emailAddress": "u@example.com"
              }
            }""";

    /** A settings.json with hooks of its own on one of our events and on another, plus other keys. */
    static final String SETTINGS = """
            {
              "permissions": {
                "allow": [
                  "Bash(npm test)"
                ]
              },
              "hooks": {
                "PostToolUse": [
                  {
                    "matcher": "Edit|Write",
                    "hooks": [
                      {
                        "type": "command",
                        "command": "prettier --write \\"$CLAUDE_FILE_PATHS\\""
                      }
                    ]
                  }
                ],
                "Stop": [
                  {
                    "hooks": [
                      {
                        "type": "command",
                        "command": "/usr/local/bin/notify done",
                        "timeout": 5
                      }
                    ]
                  }
                ]
              },
              "model": "opus"
            }
            """;

    @TempDir
    Path tmp;
    Path home;
    Path project;
    Path db;
    Path bin;

    @BeforeEach
    void setUp() throws Exception {
        home = Files.createDirectories(tmp.resolve("home"));
        project = Files.createDirectories(tmp.resolve("work").resolve("app"));
        db = tmp.resolve("mesh").resolve("mesh.db");
        bin = MeshFixture.repoRoot().resolve("bin").toRealPath();
    }

    Run cli(String... args) throws Exception {
        return MeshCli.run(project, Map.of("HOME", home.toString(), "MESH_DB_PATH", db.toString()), args);
    }

    Path claudeJson() {
        return home.resolve(".claude.json");
    }

    Path settings() {
        return home.resolve(".claude").resolve("settings.json");
    }

    // ------------------------------------------------------------------ install

    @Test
    void installOnAnEmptyHomeRegistersTheServerAndFourHooksAndPreparesTheMesh() throws Exception {
        Run r = cli("install");

        assertEquals(0, r.exit(), r.toString());
        assertEquals("", r.err(), r.toString());
        JsonNode server = JSON.readTree(claudeJson().toFile()).get("mcpServers").get("claude-mesh");
        assertEquals("{\"type\":\"stdio\",\"command\":\"" + bin.resolve("claude-mesh-server") + "\",\"args\":[],\"env\":{}}",
                server.toString());
        JsonNode hooks = JSON.readTree(settings().toFile()).get("hooks");
        assertEquals(INSTALLED_EVENTS, fieldNames(hooks));
        assertEquals(List.of(bin + "/claude-mesh-session-start"), commands(hooks, "SessionStart"));
        assertEquals(List.of(bin + "/claude-mesh-inbox-poll"), commands(hooks, "UserPromptSubmit"));
        assertEquals(List.of(bin + "/claude-mesh-inbox-poll"), commands(hooks, "Stop"));
        assertEquals(List.of(bin + "/claude-mesh-session-end"), commands(hooks, "SessionEnd"));
        for (String event : HOOK_EVENTS) {
            Path launcher = Path.of(commands(hooks, event).get(0));
            assertTrue(launcher.isAbsolute() && Files.isExecutable(launcher), event + " -> " + launcher);
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(claudeJson())));

        assertTrue(r.out().contains("+ mcpServers.claude-mesh: " + bin.resolve("claude-mesh-server")), r.out());
        assertTrue(r.out().contains(settings() + " (new file):"), r.out());
        assertEquals("4", schemaVersion(), "the database is created and migrated at install");
        assertTrue(r.out().contains("cache directory " + MeshCli.LAUNCHER_CACHE + ": "), r.out());
        assertTrue(Files.isDirectory(MeshCli.LAUNCHER_CACHE), r.out());
        assertTrue(r.out().contains("launcher start-up caches"), r.out());
        assertTrue(r.out().contains(bin.resolve("claude-mesh") + " doctor"), "says how to check: " + r.out());
    }

    @Test
    void installOnEmptyFilesFillsThemAndUninstallEmptiesThemAgain() throws Exception {
        write(claudeJson(), "");
        write(settings(), "{}\n");

        Run r = cli("install");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("claude-mesh"), fieldNames(JSON.readTree(claudeJson().toFile()).get("mcpServers")));
        assertEquals(INSTALLED_EVENTS, fieldNames(JSON.readTree(settings().toFile()).get("hooks")));
        assertTrue(Files.readString(settings()).startsWith("{\n  \"hooks\": {\n    \"SessionStart\": [\n"),
                "laid out as Claude Code would: " + Files.readString(settings()));

        assertEquals(0, cli("uninstall").exit());
        assertEquals("", Files.readString(claudeJson()));
        assertEquals("{}\n", Files.readString(settings()));
    }

    @Test
    void installAddsToFilesWithOtherServersAndHooksAndChangesNothingElse() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        write(settings(), SETTINGS);

        Run r = cli("install");

        assertEquals(0, r.exit(), r.toString());
        JsonNode c = JSON.readTree(claudeJson().toFile());
        assertEquals(List.of("numStartups", "installMethod", "mcpServers", "projects", "oauthAccount"), fieldNames(c));
        assertEquals(List.of("github", "claude-mesh"), fieldNames(c.get("mcpServers")));
        assertEquals(CLAUDE_JSON, withoutOurs(claudeJson()), "every other key as it was, in its place");
        JsonNode s = JSON.readTree(settings().toFile());
        assertEquals(List.of("PostToolUse", "Stop", "SessionStart", "UserPromptSubmit", "SessionEnd", "PreToolUse"), fieldNames(s.get("hooks")));
        assertEquals(List.of("/usr/local/bin/notify done", bin + "/claude-mesh-inbox-poll"), commands(s.get("hooks"), "Stop"));
        assertEquals(SETTINGS, withoutOurs(settings()));

        assertEquals(CLAUDE_JSON, Files.readString(home.resolve(".claude.json.claude-mesh-backup")));
        assertEquals(SETTINGS, Files.readString(home.resolve(".claude/settings.json.claude-mesh-backup")));
        assertTrue(r.out().contains("previous content saved as " + home.resolve(".claude.json.claude-mesh-backup")), r.out());
    }

    @Test
    void aSecondInstallChangesNothingAndSaysSo() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        assertEquals(0, cli("install", "--with-wake").exit());
        String claude = Files.readString(claudeJson());
        String settings = Files.readString(settings());
        FileTime claudeTime = Files.getLastModifiedTime(claudeJson());
        FileTime settingsTime = Files.getLastModifiedTime(settings());
        Thread.sleep(20);

        Run again = cli("install", "--with-wake");

        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.outLines().contains(claudeJson() + ": unchanged"), again.out());
        assertTrue(again.outLines().contains(settings() + ": unchanged"), again.out());
        assertTrue(again.out().contains("Nothing to change: claude-mesh is already installed from "), again.out());
        assertEquals(claude, Files.readString(claudeJson()));
        assertEquals(settings, Files.readString(settings()));
        assertEquals(claudeTime, Files.getLastModifiedTime(claudeJson()), "not even rewritten");
        assertEquals(settingsTime, Files.getLastModifiedTime(settings()));
        assertEquals(CLAUDE_JSON, Files.readString(home.resolve(".claude.json.claude-mesh-backup")), "backup kept as first made");
        try (Stream<Path> files = Files.walk(home)) {
            assertEquals(List.of(), files.filter(p -> p.toString().contains("claude-mesh-tmp")).toList(), "no temporary files left");
        }
    }

    @Test
    void installFromAMovedCheckoutUpdatesItsEntriesInPlace() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        write(settings(), SETTINGS);
        assertEquals(0, cli("install", "--with-wake").exit());
        String before = Files.readString(settings());
        Path moved = MeshCli.copyInstallation(tmp.resolve("elsewhere").resolve("claude-mesh"));
        Path movedBin = moved.resolve("bin").toRealPath();

        Run r = MeshCli.runLauncher(moved.resolve("bin/claude-mesh"), project,
                Map.of("HOME", home.toString(), "MESH_DB_PATH", db.toString()), "install");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(before.replace(bin + "/", movedBin + "/"), Files.readString(settings()),
                "the same entries in the same places (the wake hook too), only the paths changed");
        assertEquals(movedBin.resolve("claude-mesh-server").toString(),
                JSON.readTree(claudeJson().toFile()).get("mcpServers").get("claude-mesh").get("command").asText());
        assertEquals(List.of("github", "claude-mesh"), fieldNames(JSON.readTree(claudeJson().toFile()).get("mcpServers")));
        assertTrue(r.out().contains("~ hooks.SessionStart: " + movedBin + "/claude-mesh-session-start (was " + bin
                + "/claude-mesh-session-start)"), r.out());
        assertTrue(r.out().contains("~ mcpServers.claude-mesh: " + movedBin + "/claude-mesh-server"), r.out());
    }

    @Test
    void dryRunShowsADiffAndWritesNothing() throws Exception {
        write(claudeJson(), CLAUDE_JSON);

        Run r = cli("install", "--dry-run");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("--- " + claudeJson() + "\n+++ " + claudeJson() + " (after)\n@@ "), r.out());
        assertTrue(r.out().contains("\n+    \"claude-mesh\": {\n+      \"type\": \"stdio\",\n+      \"command\": \""
                + bin.resolve("claude-mesh-server") + "\",\n"), r.out());
        assertTrue(r.out().contains("--- /dev/null\n+++ " + settings() + " (after)\n"), r.out());
        assertTrue(r.out().contains("+            \"command\": \"" + bin + "/claude-mesh-session-end\","), r.out());
        assertEquals(CLAUDE_JSON, Files.readString(claudeJson()));
        assertFalse(Files.exists(settings()));
        assertFalse(Files.exists(home.resolve(".claude.json.claude-mesh-backup")));
        assertFalse(Files.exists(db), "a dry run prepares nothing either");
        assertFalse(Files.exists(home.resolve(".claude-mesh")));
    }

    @Test
    void aMalformedFileIsReportedAndNoFileIsTouched() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        String broken = "{\n  \"hooks\": {\n    \"Stop\": [\n  },\n}\n";
        write(settings(), broken);

        Run r = cli("install");

        assertEquals(1, r.exit(), r.toString());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("claude-mesh: " + settings() + ": is not valid JSON ("), r.err());
        assertTrue(r.err().contains("left untouched"), r.err());
        assertEquals(CLAUDE_JSON, Files.readString(claudeJson()), "the other file is not changed either");
        assertEquals(broken, Files.readString(settings()));
        assertFalse(Files.exists(home.resolve(".claude.json.claude-mesh-backup")));
        assertFalse(Files.exists(home.resolve(".claude/settings.json.claude-mesh-backup")));
        Run un = cli("uninstall");
        assertEquals(1, un.exit(), "uninstall refuses it too: " + un);
        assertEquals(broken, Files.readString(settings()));
    }

    @Test
    void withChannelsPrintsTheLaunchCommandAndWritesTheSameFiles() throws Exception {
        Run r = cli("install", "--with-channels");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("claude --dangerously-load-development-channels server:claude-mesh"), r.out());
        JsonNode server = JSON.readTree(claudeJson().toFile()).get("mcpServers").get("claude-mesh");
        assertEquals("{}", server.get("env").toString(), "MESH_CHANNEL stays auto: no env entry");
        assertTrue(cli("install").out().contains("Nothing to change"), "same files as a plain install");
    }

    @Test
    void withWakeAddsTheBackgroundStopHook() throws Exception {
        Run r = cli("install", "--with-wake");

        assertEquals(0, r.exit(), r.toString());
        JsonNode stop = JSON.readTree(settings().toFile()).get("hooks").get("Stop");
        assertEquals("{\"type\":\"command\",\"command\":\"" + bin + "/claude-mesh-inbox-wait\",\"async\":true,\"asyncRewake\":true,"
                + "\"timeout\":600}", stop.get(1).get("hooks").get(0).toString());
    }

    @Test
    void projectScopeWritesTheProjectsMcpJsonAndSettings() throws Exception {
        Run r = cli("install", "--scope", "project");

        assertEquals(0, r.exit(), r.toString());
        Path real = project.toRealPath();
        assertEquals(bin.resolve("claude-mesh-server").toString(),
                JSON.readTree(real.resolve(".mcp.json").toFile()).get("mcpServers").get("claude-mesh").get("command").asText());
        assertEquals(INSTALLED_EVENTS, fieldNames(JSON.readTree(real.resolve(".claude/settings.json").toFile()).get("hooks")));
        assertFalse(Files.exists(claudeJson()));
        assertFalse(Files.exists(settings()));

        assertEquals(0, cli("uninstall", "--scope", "project").exit());
        assertFalse(Files.exists(real.resolve(".mcp.json")));
        assertFalse(Files.exists(real.resolve(".claude")));
    }

    @Test
    void withClaudeConfigDirSetTheUserFilesAreThereAndDoctorLooksThereToo() throws Exception {
        Path config = tmp.resolve("claude-config");
        Map<String, String> env = Map.of("HOME", home.toString(), "MESH_DB_PATH", db.toString(), "CLAUDE_CONFIG_DIR", config.toString());

        Run r = MeshCli.run(project, env, "install");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(bin.resolve("claude-mesh-server").toString(),
                JSON.readTree(config.resolve(".claude.json").toFile()).get("mcpServers").get("claude-mesh").get("command").asText());
        assertEquals(INSTALLED_EVENTS, fieldNames(JSON.readTree(config.resolve("settings.json").toFile()).get("hooks")));
        assertFalse(Files.exists(claudeJson()), "nothing in $HOME when Claude Code keeps its files elsewhere");
        assertFalse(Files.exists(settings()));

        Run doctor = MeshCli.run(project, env, "doctor");
        String server = doctor.out().lines().filter(l -> l.contains(" mcp server ")).findFirst().orElse("");
        assertTrue(server.startsWith("ok ") && server.contains(config.resolve(".claude.json").toString()), doctor.out());
        String stop = doctor.out().lines().filter(l -> l.contains(" hook Stop ")).findFirst().orElse("");
        assertTrue(stop.startsWith("ok "), doctor.out());

        assertEquals(0, MeshCli.run(project, env, "uninstall").exit());
        assertFalse(Files.exists(config.resolve(".claude.json")) || Files.exists(config.resolve("settings.json")),
                "the files install made there are gone again");
    }

    @Test
    void anUnknownScopeIsBadUsage() throws Exception {
        Run r = cli("install", "--scope", "global");
        assertEquals(2, r.exit(), r.toString());
        assertTrue(r.err().contains("--scope must be user or project, not 'global'"), r.err());
        assertFalse(Files.exists(claudeJson()));
    }

    // ------------------------------------------------------------------ uninstall

    @Test
    void uninstallRestoresTheOriginalFilesByteForByte() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        write(settings(), SETTINGS);
        assertEquals(0, cli("install", "--with-wake").exit());

        Run r = cli("uninstall");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(CLAUDE_JSON, Files.readString(claudeJson()));
        assertEquals(SETTINGS, Files.readString(settings()));
        assertTrue(r.out().contains("- mcpServers.claude-mesh: " + bin.resolve("claude-mesh-server")), r.out());
        assertTrue(r.out().contains("- hooks.Stop: " + bin + "/claude-mesh-inbox-wait"), r.out());
        assertTrue(Files.exists(db), "the mesh itself stays");

        Run again = cli("uninstall");
        assertTrue(again.out().contains("Nothing to remove."), again.out());
    }

    @Test
    void uninstallAfterInstallOnAnEmptyHomeLeavesTheHomeEmptyOfConfig() throws Exception {
        assertEquals(0, cli("install").exit());

        Run r = cli("uninstall");

        assertEquals(0, r.exit(), r.toString());
        assertFalse(Files.exists(claudeJson()));
        assertFalse(Files.exists(home.resolve(".claude")), "the .claude directory install created goes too");
        try (Stream<Path> left = Files.list(home)) {
            // The database and the launcher cache live elsewhere in these tests (MESH_DB_PATH, CLAUDE_MESH_CACHE_DIR).
            assertEquals(List.of(), left.toList(), "no backups of files that held only our entries, nothing else left");
        }
    }

    @Test
    void uninstallAfterInstallThenInstallWithWakeLeavesAnEmptyHomeEmpty() throws Exception {
        assertEquals(0, cli("install").exit());
        assertEquals(0, cli("install", "--with-wake").exit());

        Run r = cli("uninstall");

        assertEquals(0, r.exit(), r.toString());
        assertFalse(Files.exists(claudeJson()));
        assertFalse(Files.exists(home.resolve(".claude")), "no settings.json with empty hook lists, no backup of our own install");
        try (Stream<Path> left = Files.list(home)) {
            assertEquals(List.of(), left.toList());
        }
    }

    @Test
    void uninstallAfterInstallThenInstallWithWakeRestoresTheUsersFilesByteForByte() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        write(settings(), SETTINGS);
        assertEquals(0, cli("install").exit());
        assertEquals(0, cli("install", "--with-wake").exit());

        Run r = cli("uninstall");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(CLAUDE_JSON, Files.readString(claudeJson()));
        assertEquals(SETTINGS, Files.readString(settings()));
        assertEquals(SETTINGS, Files.readString(settings().resolveSibling("settings.json.claude-mesh-backup")),
                "the backup is the user's file, never one of our installs");
    }

    @Test
    void aBackupThatHoldsOurOwnEntriesIsNotTakenForTheUsersFile() throws Exception {
        assertEquals(0, cli("install").exit());
        // What an earlier version left: a backup taken by a second install, of the file the first one created.
        Files.copy(settings(), settings().resolveSibling("settings.json.claude-mesh-backup"));
        assertEquals(0, cli("install", "--with-wake").exit());

        Run r = cli("uninstall");

        assertEquals(0, r.exit(), r.toString());
        assertFalse(Files.exists(settings()), "a file only install made goes, whatever that backup says: "
                + (Files.exists(settings()) ? Files.readString(settings()) : ""));
    }

    @Test
    void uninstallWakeOnlyRemovesJustTheWakeHookAndAFullUninstallStillRestoresEverything() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        write(settings(), SETTINGS);
        assertEquals(0, cli("install", "--with-wake").exit());
        String mcpInstalled = Files.readString(claudeJson());

        Run r = cli("uninstall", "--wake-only");

        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.out().contains("- hooks.Stop: " + bin + "/claude-mesh-inbox-wait"), r.out());
        JsonNode hooks = JSON.readTree(settings().toFile()).get("hooks");
        assertEquals(List.of("/usr/local/bin/notify done", bin + "/claude-mesh-inbox-poll"), commands(hooks, "Stop"));
        assertEquals(List.of(bin + "/claude-mesh-session-start"), commands(hooks, "SessionStart"));
        assertEquals(mcpInstalled, Files.readString(claudeJson()), "the server entry stays");
        assertTrue(cli("install").out().contains("Nothing to change"), "a plain install does not bring the wake hook back");

        assertEquals(0, cli("uninstall").exit());
        assertEquals(CLAUDE_JSON, Files.readString(claudeJson()));
        assertEquals(SETTINGS, Files.readString(settings()));
    }

    // ------------------------------------------------------------------ helpers

    /** The file's text with our entries taken out again, in its own layout: what it would be without us. */
    private String withoutOurs(Path file) throws Exception {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        ObjectNode root = (ObjectNode) JSON.readTree(text);
        if (root.get("mcpServers") instanceof ObjectNode servers) {
            servers.remove("claude-mesh");
        }
        if (root.get("hooks") instanceof ObjectNode hooks) {
            for (String event : fieldNames(hooks)) {
                ArrayNode groups = (ArrayNode) hooks.get(event);
                for (int i = groups.size() - 1; i >= 0; i--) {
                    JsonNode h = groups.get(i).path("hooks").get(0);
                    if (h.path("command").asText().startsWith(bin + "/")
                            || "mcp_tool".equals(h.path("type").asText()) && "check_edit".equals(h.path("tool").asText())) {
                        groups.remove(i);
                    }
                }
                if (groups.isEmpty()) {
                    hooks.remove(event);
                }
            }
        }
        // Laid out as JSON.stringify(value, null, 2) does, which is what both fixtures are.
        var printer = new com.fasterxml.jackson.core.util.DefaultPrettyPrinter(
                com.fasterxml.jackson.core.util.Separators.createDefaultInstance()
                        .withObjectFieldValueSpacing(com.fasterxml.jackson.core.util.Separators.Spacing.AFTER)
                        .withObjectEmptySeparator("").withArrayEmptySeparator(""));
        printer.indentArraysWith(com.fasterxml.jackson.core.util.DefaultIndenter.SYSTEM_LINEFEED_INSTANCE);
        return JSON.writer(printer).writeValueAsString(root) + (text.endsWith("\n") ? "\n" : "");
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static List<String> commands(JsonNode hooks, String event) {
        List<String> out = new ArrayList<>();
        hooks.path(event).forEach(g -> g.path("hooks").forEach(h -> out.add(h.path("command").asText())));
        return out;
    }

    static void write(Path file, String text) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    private String schemaVersion() throws Exception {
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + db); var s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT max(CAST(version AS INTEGER)) FROM flyway_schema_history WHERE success = 1")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }
}
