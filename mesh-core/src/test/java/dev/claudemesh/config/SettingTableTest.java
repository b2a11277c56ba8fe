package dev.claudemesh.config;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The settings a person reads about are the settings the code has: docs/configuration.md's table is the one
 * {@link Setting#markdownTable} generates, and {@code .env.example} shows every setting that belongs in a .env
 * with the value the list gives it, and no other.
 */
class SettingTableTest {
    private static final String BEGIN = "<!-- settings:begin -->\n";
    private static final String END = "<!-- settings:end -->";

    static Path repoRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(".env.example")) && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
        }
        throw new AssertionError("no checkout root (with .env.example and docs/) above " + Path.of("").toAbsolutePath());
    }

    @Test
    void theConfigurationPagesTableIsTheOneTheCodesListGenerates() throws Exception {
        Path page = repoRoot().resolve("docs/configuration.md");
        String text = Files.readString(page, StandardCharsets.UTF_8);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        assertTrue(begin >= 0 && end > begin, page + " must hold the table between " + BEGIN.strip() + " and " + END);
        String table = text.substring(begin + BEGIN.length(), end);
        if (!table.equals(Setting.markdownTable())) {
            fail(page + ": the settings table differs from dev.claudemesh.config.Setting.ALL; replace what lies between "
                    + "the markers with:\n" + Setting.markdownTable());
        }
    }

    @Test
    void dotEnvExampleShowsEverySettingThatBelongsInADotEnvWithItsValueAndNoOther() throws Exception {
        Path example = repoRoot().resolve(".env.example");
        Map<String, String> shown = new LinkedHashMap<>();
        Matcher m = Pattern.compile("(?m)^# ?([A-Z][A-Z0-9_]*)=(.*)$").matcher(Files.readString(example, StandardCharsets.UTF_8));
        while (m.find()) {
            shown.put(m.group(1), m.group(2));
        }
        List<String> problems = new ArrayList<>();
        for (Setting s : Setting.ALL) {
            if (s.example().isPresent() && !s.example().get().equals(shown.get(s.name()))) {
                problems.add(s.name() + ": the list shows '" + s.example().get() + "', .env.example "
                        + (shown.containsKey(s.name()) ? "'" + shown.get(s.name()) + "'" : "nothing"));
            }
        }
        for (String name : shown.keySet()) {
            if (Setting.named(name).flatMap(Setting::example).isEmpty()) {
                problems.add(name + " is in .env.example but is no setting the list shows there");
            }
        }
        assertEquals(List.of(), problems, example.toString());
    }

    @Test
    void everyNameTheConfigurationReadsIsInTheList() {
        for (String name : List.of(MeshConfig.DB_PATH, MeshConfig.DB_URL, MeshConfig.PROJECT_PATH, MeshConfig.CLAUDE_PROJECT_DIR,
                MeshConfig.MAX_MESSAGE_CHARS, MeshConfig.CHANNEL, MeshConfig.WAIT_SECONDS, MeshConfig.SERVER_NAME,
                MeshConfig.HOST_NAME, MeshConfig.HEARTBEAT_SECONDS, MeshConfig.HEARTBEAT_GRACE_SECONDS, Home.VARIABLE,
                LeaseSettings.DECISION, LeaseSettings.AUTO_SECONDS)) {
            assertTrue(Setting.named(name).isPresent(), name + " is read by MeshConfig but missing from Setting.ALL");
        }
    }

    @Test
    void dotEnvProblemsNameTheLineAndTheFix() throws Exception {
        Path dir = Files.createTempDirectory("dotenv");
        Path env = Files.writeString(dir.resolve(".env"), "# a comment\n\nMESH_DB_PATH=/tmp/x.db\nthis is garbage\n"
                + "MESH_DB_PTH=/tmp/y.db\nexport CLAUDE_MESH_JAVA_OPTS=-Xmx64m\nMESH_CHANNEL='on'\n=nothing\n");
        List<String> problems = Settings.dotEnvProblems(env);
        assertEquals(4, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("line 4: 'this is garbage' is not KEY=VALUE"), problems.get(0));
        assertTrue(problems.get(1).contains("line 5: MESH_DB_PTH is not a claude-mesh setting")
                && problems.get(1).contains("did you mean MESH_DB_PATH?"), problems.get(1));
        assertTrue(problems.get(2).contains("line 6: CLAUDE_MESH_JAVA_OPTS is read from the environment only"), problems.get(2));
        assertTrue(problems.get(3).contains("line 8: '=nothing' is not KEY=VALUE"), problems.get(3));
    }
}
