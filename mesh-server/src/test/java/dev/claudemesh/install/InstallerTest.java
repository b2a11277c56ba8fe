package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON merging of install and uninstall, on real files in a temporary home. */
class InstallerTest {
    @TempDir
    Path tmp;

    static final Installation HERE = new Installation(Path.of("/opt/claude-mesh"));
    static final Installation MOVED = new Installation(Path.of("/srv/tools/claude-mesh"));

    /** A ~/.claude.json as Claude Code leaves it: many keys, another server, 2-space JSON.stringify layout. */
    static final String CLAUDE_JSON = """
            {
              "numStartups": 42,
              "theme": "dark",
              "mcpServers": {
                "github": {
                  "type": "stdio",
                  "command": "npx",
                  "args": [
                    "-y",
                    "@modelcontextprotocol/server-github"
                  ],
                  "env": {
                    "GITHUB_TOKEN": "x"
                  }
                }
              },
              "projects": {
                "/home/u/app": {
                  "allowedTools": [],
                  "mcpServers": {}
                }
              },
              "userID": "abc"
            }""";

    /** A settings.json with its own hooks on two of our events and one other, 4-space indented. */
    static final String SETTINGS = """
            {
                "model": "opus",
                "hooks": {
                    "PreToolUse": [
                        {
                            "matcher": "Bash",
                            "hooks": [
                                {
                                    "type": "command",
                                    "command": "/usr/local/bin/audit"
                                }
                            ]
                        }
                    ],
                    "Stop": [
                        {
                            "hooks": [
                                {
                                    "type": "command",
                                    "command": "notify-send done"
                                }
                            ]
                        }
                    ]
                },
                "permissions": {
                    "allow": [
                        "Bash(git status)"
                    ]
                }
            }
            """;

    Path home() {
        return tmp.resolve("home");
    }

    Path claudeJson() {
        return home().resolve(".claude.json");
    }

    Path settings() {
        return home().resolve(".claude").resolve("settings.json");
    }

    Installer.Plan install(Installation at, boolean wake) {
        Installer.Plan plan = Installer.install(Scope.USER, UserFiles.of(home(), java.util.Map.of()), tmp.resolve("project"), at, wake);
        plan.edits().forEach(FileEdit::apply);
        return plan;
    }

    Installer.Plan uninstall() {
        Installer.Plan plan = Installer.uninstall(Scope.USER, UserFiles.of(home(), java.util.Map.of()), tmp.resolve("project"));
        plan.edits().forEach(FileEdit::apply);
        return plan;
    }

    void write(Path p, String text) throws Exception {
        Files.createDirectories(p.getParent());
        Files.writeString(p, text, StandardCharsets.UTF_8);
    }

    String read(Path p) throws Exception {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    JsonNode json(Path p) throws Exception {
        return JsonFile.MAPPER.readTree(read(p));
    }

    static List<String> keys(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    // ------------------------------------------------------------------ install

    @Test
    void installOnAnEmptyHomeWritesTheServerAndTheFourHooksWithAbsolutePaths() throws Exception {
        Installer.Plan plan = install(HERE, false);

        assertTrue(plan.changesAnything());
        assertEquals("""
                {
                  "mcpServers": {
                    "claude-mesh": {
                      "type": "stdio",
                      "command": "/opt/claude-mesh/bin/claude-mesh-server",
                      "args": [],
                      "env": {}
                    }
                  }
                }
                """, read(claudeJson()));
        JsonNode hooks = json(settings()).get("hooks");
        assertEquals(List.of("SessionStart", "UserPromptSubmit", "Stop", "SessionEnd", "PreToolUse"), keys(hooks));
        assertEquals("{\"matcher\":\"Edit|Write|MultiEdit|NotebookEdit\",\"hooks\":[{\"type\":\"mcp_tool\",\"server\":\"claude-mesh\","
                + "\"tool\":\"check_edit\",\"input\":{\"tool_name\":\"${tool_name}\",\"file_path\":\"${tool_input.file_path}\","
                + "\"notebook_path\":\"${tool_input.notebook_path}\"},\"timeout\":10}]}", hooks.get("PreToolUse").get(0).toString(),
                "the file-lease check, answered by the session's own server");
        assertEquals("{\"type\":\"command\",\"command\":\"/opt/claude-mesh/bin/claude-mesh-session-start\",\"timeout\":10}",
                hooks.get("SessionStart").get(0).get("hooks").get(0).toString());
        assertEquals("/opt/claude-mesh/bin/claude-mesh-inbox-poll", hooks.get("UserPromptSubmit").get(0).get("hooks").get(0).get("command").asText());
        assertEquals("/opt/claude-mesh/bin/claude-mesh-inbox-poll", hooks.get("Stop").get(0).get("hooks").get(0).get("command").asText());
        assertEquals(5, hooks.get("SessionEnd").get(0).get("hooks").get(0).get("timeout").asInt());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(claudeJson())));
        assertFalse(Files.exists(FileEdit.backupOf(claudeJson())), "nothing to back up when there was no file");
    }

    @Test
    void installKeepsEveryOtherKeyInItsPlaceAndTheFileLayout() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        write(settings(), SETTINGS);

        install(HERE, false);

        JsonNode c = json(claudeJson());
        assertEquals(List.of("numStartups", "theme", "mcpServers", "projects", "userID"), keys(c));
        assertEquals(List.of("github", "claude-mesh"), keys(c.get("mcpServers")));
        assertEquals(JsonFile.MAPPER.readTree(CLAUDE_JSON).get("mcpServers").get("github"), c.get("mcpServers").get("github"));
        assertTrue(read(claudeJson()).startsWith("{\n  \"numStartups\": 42,\n"), "2-space layout kept");
        assertFalse(read(claudeJson()).endsWith("\n"), "no final newline, as before");

        JsonNode s = json(settings());
        assertEquals(List.of("model", "hooks", "permissions"), keys(s));
        assertEquals(List.of("PreToolUse", "Stop", "SessionStart", "UserPromptSubmit", "SessionEnd"), keys(s.get("hooks")));
        assertEquals(2, s.get("hooks").get("Stop").size(), "ours is a group of its own after the user's");
        assertEquals("notify-send done", s.get("hooks").get("Stop").get(0).get("hooks").get(0).get("command").asText());
        assertTrue(read(settings()).startsWith("{\n    \"model\": \"opus\",\n    \"hooks\": {\n        \"PreToolUse\""), "4-space layout kept");
        assertEquals(CLAUDE_JSON, read(FileEdit.backupOf(claudeJson())));
        assertEquals(SETTINGS, read(FileEdit.backupOf(settings())));
    }

    @Test
    void aSecondInstallChangesNothingAndLeavesTheBackupAlone() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        install(HERE, false);
        String first = read(claudeJson());
        String firstSettings = read(settings());

        Installer.Plan again = install(HERE, false);

        assertFalse(again.changesAnything());
        again.edits().forEach(e -> assertEquals(List.of(), e.changes()));
        assertEquals(first, read(claudeJson()));
        assertEquals(firstSettings, read(settings()));
        assertEquals(CLAUDE_JSON, read(FileEdit.backupOf(claudeJson())), "the backup still holds the original");
    }

    @Test
    void afterAMoveEntriesArePointedAtTheNewPlaceWhereTheyAreNotDuplicated() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        write(settings(), SETTINGS);
        install(HERE, true);
        // The user tuned our entries: those tweaks must survive the move.
        String tuned = read(settings()).replace("\"timeout\": 5", "\"timeout\": 3");
        write(settings(), tuned);
        String servers = read(claudeJson()).replace("\"env\": {}", "\"env\": {\n        \"MESH_DB_PATH\": \"/data/mesh.db\"\n      }");
        write(claudeJson(), servers);

        Installer.Plan plan = install(MOVED, false);

        assertEquals(servers.replace("/opt/claude-mesh/", "/srv/tools/claude-mesh/"), read(claudeJson()));
        assertEquals(tuned.replace("/opt/claude-mesh/", "/srv/tools/claude-mesh/"), read(settings()),
                "same entries in the same places, the wake hook included, with only the paths changed");
        assertTrue(plan.edits().get(1).changes().contains(
                "~ hooks.Stop: /srv/tools/claude-mesh/bin/claude-mesh-inbox-wait (was /opt/claude-mesh/bin/claude-mesh-inbox-wait)"),
                plan.edits().get(1).changes().toString());
    }

    @Test
    void ourHandlerInsideAUsersGroupIsUpdatedThereAndRemovedAloneOnUninstall() throws Exception {
        String merged = """
                {
                  "hooks": {
                    "Stop": [
                      {
                        "hooks": [
                          {
                            "type": "command",
                            "command": "notify-send done"
                          },
                          {
                            "type": "command",
                            "command": "/old/place/bin/claude-mesh-inbox-poll",
                            "timeout": 10
                          }
                        ]
                      }
                    ]
                  }
                }
                """;
        write(settings(), merged);

        install(HERE, false);
        JsonNode stop = json(settings()).get("hooks").get("Stop");
        assertEquals(1, stop.size(), "no second Stop group: the existing handler was ours");
        assertEquals("/opt/claude-mesh/bin/claude-mesh-inbox-poll", stop.get(0).get("hooks").get(1).get("command").asText());

        uninstall();
        JsonNode after = json(settings()).get("hooks");
        assertEquals(List.of("Stop"), keys(after));
        assertEquals(1, after.get("Stop").get(0).get("hooks").size(), "the user's handler stays, its group too");
        assertEquals("notify-send done", after.get("Stop").get(0).get("hooks").get(0).get("command").asText());
    }

    @Test
    void wakeHookIsAsyncWithRewakeAndStaysInstalledUntilUninstall() throws Exception {
        install(HERE, true);
        JsonNode stop = json(settings()).get("hooks").get("Stop");
        assertEquals(2, stop.size());
        assertEquals("{\"type\":\"command\",\"command\":\"/opt/claude-mesh/bin/claude-mesh-inbox-wait\",\"async\":true,"
                + "\"asyncRewake\":true,\"timeout\":600}", stop.get(1).get("hooks").get(0).toString());

        assertFalse(install(HERE, false).changesAnything(), "install without --with-wake keeps a wake hook installed earlier");

        uninstall();
        assertFalse(Files.exists(settings()));
    }

    @Test
    void pathsThatAShellWouldSplitAreQuotedInHooksAndStillRecognised() throws Exception {
        Installation spaced = new Installation(Path.of("/home/u/My Tools/claude-mesh"));
        install(spaced, false);
        JsonNode start = json(settings()).get("hooks").get("SessionStart").get(0).get("hooks").get(0);
        assertEquals("'/home/u/My Tools/claude-mesh/bin/claude-mesh-session-start'", start.get("command").asText());
        assertEquals("/home/u/My Tools/claude-mesh/bin/claude-mesh-server",
                json(claudeJson()).get("mcpServers").get("claude-mesh").get("command").asText(), "MCP servers run without a shell");

        assertFalse(install(spaced, false).changesAnything());
        install(HERE, false);
        assertEquals("/opt/claude-mesh/bin/claude-mesh-session-start",
                json(settings()).get("hooks").get("SessionStart").get(0).get("hooks").get(0).get("command").asText());
    }

    // ------------------------------------------------------------------ refusing

    @Test
    void aMalformedFileStopsEverythingAndNoFileIsTouched() throws Exception {
        write(claudeJson(), CLAUDE_JSON);
        String broken = "{\n  \"hooks\": {\n    \"Stop\": [\n  }\n";
        write(settings(), broken);

        ConfigException e = assertThrows(ConfigException.class, () -> install(HERE, false));

        assertTrue(e.getMessage().startsWith(settings() + ": is not valid JSON"), e.getMessage());
        assertEquals(CLAUDE_JSON, read(claudeJson()), "the valid file is not changed either");
        assertEquals(broken, read(settings()));
        assertFalse(Files.exists(FileEdit.backupOf(claudeJson())));
        assertFalse(Files.exists(FileEdit.backupOf(settings())));
    }

    @Test
    void aClaudeMeshServerEntryThatRunsSomethingElseIsRefused() throws Exception {
        String foreign = "{\n  \"mcpServers\": {\n    \"claude-mesh\": {\n      \"command\": \"npx\",\n      \"args\": [\"claude-mesh\"]\n    }\n  }\n}\n";
        write(claudeJson(), foreign);

        ConfigException e = assertThrows(ConfigException.class, () -> install(HERE, false));

        assertTrue(e.getMessage().contains("runs 'npx', not a claude-mesh launcher"), e.getMessage());
        assertEquals(foreign, read(claudeJson()));
        assertFalse(Files.exists(settings()));
        assertFalse(Installer.uninstall(Scope.USER, UserFiles.of(home(), java.util.Map.of()), tmp).changesAnything(), "uninstall leaves it alone too");
    }

    @Test
    void hooksOfTheWrongShapeAreRefused() throws Exception {
        write(settings(), "{\"hooks\": [\"not\", \"an\", \"object\"]}");
        assertTrue(assertThrows(ConfigException.class, () -> install(HERE, false)).getMessage()
                .contains("\"hooks\" should be an object of events, but is array"));
        write(settings(), "{\"hooks\": {\"Stop\": {\"command\": \"x\"}}}");
        assertTrue(assertThrows(ConfigException.class, () -> install(HERE, false)).getMessage()
                .contains("\"hooks\".Stop should be a list of hook groups, but is object"));
    }

    // ------------------------------------------------------------------ uninstall

    @Test
    void uninstallRestoresFilesByteForByteInEveryLayout() throws Exception {
        for (String indent : List.of("  ", "    ", "\t")) {
            String claude = CLAUDE_JSON.replace("  ", indent);
            String settings = SETTINGS.replace("    ", indent);
            write(claudeJson(), claude);
            write(settings(), settings);
            Files.deleteIfExists(FileEdit.backupOf(claudeJson()));
            Files.deleteIfExists(FileEdit.backupOf(settings()));

            install(HERE, true);
            assertFalse(read(settings()).equals(settings));
            Installer.Plan plan = uninstall();

            assertEquals(claude, read(claudeJson()), "indent '" + indent + "'");
            assertEquals(settings, read(settings()), "indent '" + indent + "'");
            assertEquals(List.of("- mcpServers.claude-mesh: /opt/claude-mesh/bin/claude-mesh-server"), plan.edits().get(0).changes());
            assertEquals(6, plan.edits().get(1).changes().size(), plan.edits().get(1).changes().toString());
        }
    }

    @Test
    void aHandWrittenLayoutIsReLaidOutByInstallAndRestoredExactlyByUninstall() throws Exception {
        String handWritten = "{ \"model\": \"opus\",\n  \"permissions\": { \"allow\": [\"Bash(ls)\", \"Read\"] } }\n";
        write(settings(), handWritten);
        write(claudeJson(), "");

        Installer.Plan plan = install(HERE, false);
        assertFalse(plan.edits().get(1).keepsLayout(), "install says it could not keep this layout");
        assertTrue(read(settings()).contains("\"allow\": [\n"), read(settings()));
        uninstall();

        assertEquals(handWritten, read(settings()));
        assertEquals("", read(claudeJson()), "an empty file comes back empty");
    }

    @Test
    void uninstallReLaysOutOnlyWhenTheUserChangedTheFileSinceInstall() throws Exception {
        String handWritten = "{ \"model\": \"opus\" }\n";
        write(settings(), handWritten);
        install(HERE, false);
        write(settings(), read(settings()).replace("\"opus\"", "\"sonnet\""));

        uninstall();

        assertEquals("{\"model\":\"sonnet\"}\n", read(settings()), "the user's change kept, in the file's current layout");
    }

    @Test
    void uninstallKeepsContainersTheUserHadEvenWhenEmpty() throws Exception {
        String original = "{\n  \"mcpServers\": {},\n  \"hooks\": {\n    \"Stop\": []\n  }\n}\n";
        write(claudeJson(), original);
        write(settings(), original);

        install(HERE, false);
        uninstall();

        assertEquals(original, read(claudeJson()));
        assertEquals(original, read(settings()));
    }

    @Test
    void uninstallDeletesFilesInstallCreatedWhenNothingElseIsInThemAndBacksNothingUp() throws Exception {
        install(HERE, false);
        uninstall();
        assertFalse(Files.exists(claudeJson()));
        assertFalse(Files.exists(settings()));
        assertFalse(Files.exists(settings().getParent()), "the .claude directory install made for it goes too");
        try (var left = Files.list(home())) {
            assertEquals(List.of(), left.toList(), "no backups of files that held only our entries");
        }
    }

    @Test
    void uninstallKeepsWhatTheUserAddedAfterInstallInAFileInstallCreated() throws Exception {
        install(HERE, false);
        write(settings(), read(settings()).replace("{\n  \"hooks\"", "{\n  \"model\": \"opus\",\n  \"hooks\""));

        uninstall();

        assertEquals("{\n  \"model\": \"opus\"\n}\n", read(settings()));
    }

    @Test
    void uninstallRemovesEntriesOfAnyCheckoutButNotOtherScriptsOrOtherEvents() throws Exception {
        String mixed = """
                {
                  "hooks": {
                    "PreCompact": [
                      {
                        "hooks": [
                          {
                            "type": "command",
                            "command": "/x/bin/claude-mesh-inbox-poll"
                          }
                        ]
                      }
                    ],
                    "Stop": [
                      {
                        "hooks": [
                          {
                            "type": "command",
                            "command": "/x/bin/my-claude-mesh-inbox-poll"
                          }
                        ]
                      },
                      {
                        "hooks": [
                          {
                            "type": "command",
                            "command": "/elsewhere/bin/claude-mesh-inbox-poll"
                          }
                        ]
                      }
                    ]
                  }
                }
                """;
        write(settings(), mixed);
        write(FileEdit.backupOf(settings()), mixed.replace("/elsewhere/bin/claude-mesh-inbox-poll", "/bin/true"));

        Installer.Plan plan = uninstall();

        assertEquals(List.of("- hooks.Stop: /elsewhere/bin/claude-mesh-inbox-poll"), plan.edits().get(1).changes());
        JsonNode hooks = json(settings()).get("hooks");
        assertEquals(List.of("PreCompact", "Stop"), keys(hooks), "a launcher under an event install never uses is the user's");
        assertEquals(1, hooks.get("Stop").size());
    }

    @Test
    void projectScopeWritesMcpJsonAndTheProjectSettings() throws Exception {
        Path project = Files.createDirectories(tmp.resolve("project"));
        Installer.Plan plan = Installer.install(Scope.PROJECT, UserFiles.of(home(), java.util.Map.of()), project, HERE, false);
        plan.edits().forEach(FileEdit::apply);

        assertEquals("/opt/claude-mesh/bin/claude-mesh-server",
                json(project.resolve(".mcp.json")).get("mcpServers").get("claude-mesh").get("command").asText());
        assertEquals(5, json(project.resolve(".claude/settings.json")).get("hooks").size());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(project.resolve(".mcp.json"))));
        assertFalse(Files.exists(home()), "user files untouched");
    }
}
