package dev.claudemesh.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * File leases in the real Claude Code: one session claims src/api/**, another's Edit of a file there is
 * stopped by the PreToolUse hook (an mcp_tool hook its own server answers) with a reason naming the holder,
 * it asks the holder, and once the holder releases (or its session ends) the same Edit goes through. The two
 * sessions work in two clones of one repository (one origin), as on two hosts of a PostgreSQL mesh.
 */
@Tag("both-hook-kinds") // the hooks bring its items: once with mcp_tool hooks, once with command hooks
class LeasesE2E {
    private static final String ORIGIN = "git@example.com:acme/shop.git";
    private static final String CLAIM = "CALL claim_files {\"paths\": [\"src/api/**\"], \"reason\": \"reworking the users API for v2\"}";

    /** A clone of the shop repository named {@code name}, with src/api/users.ts, where Read and Edit need no prompt. */
    private static Path clone(Sandbox sandbox, String name) throws IOException, InterruptedException {
        Path dir = sandbox.project(name);
        run(dir, "git", "init", "-q");
        run(dir, "git", "remote", "add", "origin", ORIGIN);
        Files.createDirectories(dir.resolve("src/api"));
        Files.writeString(dir.resolve("src/api/users.ts"), "export const users = [];\n");
        Files.createDirectories(dir.resolve(".claude"));
        Files.writeString(dir.resolve(".claude/settings.local.json"), "{\"permissions\": {\"allow\": [\"Read\", \"Edit\"]}}\n");
        return dir;
    }

    private static void run(Path dir, String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
    }

    private static String edit(Path file) {
        return "CALL Edit {\"file_path\": \"" + file + "\", \"old_string\": \"users = []\", \"new_string\": \"users = ['ada']\"}";
    }

    /** The result the model was given for its newest call of {@code tool}, in the latest request that has one. */
    private static String lastResultOf(Session s, String tool) {
        List<ApiRequest> turns = s.api.turns();
        for (int i = turns.size() - 1; i >= 0; i--) {
            ApiRequest r = turns.get(i);
            List<JsonNode> calls = r.toolCalls().stream().filter(c -> c.path("name").asText().equals(tool)).toList();
            if (!calls.isEmpty()) {
                Optional<String> result = r.toolResult(calls.get(calls.size() - 1).path("id").asText());
                if (result.isPresent()) {
                    return result.get();
                }
            }
        }
        throw new AssertionError("no result of " + tool + " reached the model");
    }

    @Test
    @Tag("both-backends")
    void anEditOfAFileAnotherSessionClaimedIsDeniedNamingItThenGoesThroughOnceItReleases() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path alphaDir = clone(sandbox, "alpha");
            Path betaDir = clone(sandbox, "beta");
            Path users = betaDir.resolve("src/api/users.ts");
            Session alpha = Session.in(sandbox, alphaDir, Script.directives().answeringQuestions("Go ahead, I am releasing src/api now"))
                    .streaming();
            alpha.send(CLAIM + "\nSAY claimed");
            alpha.awaitResult(1, Duration.ofSeconds(90));
            String claimed = lastResultOf(alpha, Script.MESH + "claim_files");
            assertTrue(claimed.contains("\"lease_id\":\"l_"), claimed);

            Session beta = Session.in(sandbox, betaDir, Script.directives()).streaming();
            beta.send("CALL Read {\"file_path\": \"" + users + "\"}\n" + edit(users)
                    + "\nCALL ask_peer {\"to\": \"alpha\", \"question\": \"May I edit src/api/users.ts?\", \"timeout_seconds\": 120}"
                    + "\nSAY asked");
            sandbox.awaitCount("SELECT count(*) FROM questions WHERE status = 'pending'", 1, Duration.ofSeconds(120));

            // What beta's model was told about its Edit: stopped, by whom, why, and how to reach it.
            String denied = lastResultOf(beta, "Edit");
            System.out.println("beta's model was given for its Edit: " + denied);
            assertTrue(denied.contains("'alpha' holds src/api/** exclusively"), denied);
            assertTrue(denied.contains("reworking the users API for v2"), denied);
            assertTrue(denied.contains("<peer_claim_reason from=\"alpha\""), "the reason is framed as alpha's text: " + denied);
            assertTrue(denied.contains("ask_peer {\"to\": \"alpha\""), denied);
            assertEquals("export const users = [];\n", Files.readString(users), "the edit did not happen");

            // alpha sees the question at its next prompt, answers it (a reaction, which takes the first call's place)
            // and releases its claim.
            alpha.send("CALL list_claims {}\nCALL release_files {\"paths\": [\"src/api/**\"]}\nSAY released");
            alpha.awaitResult(2, Duration.ofSeconds(90));
            beta.awaitResult(1, Duration.ofSeconds(120));
            assertTrue(lastResultOf(beta, Script.MESH + "ask_peer").contains("Go ahead, I am releasing src/api now"));

            beta.send(edit(users) + "\nSAY edited");
            beta.awaitResult(2, Duration.ofSeconds(90));
            String edited = lastResultOf(beta, "Edit");
            assertFalse(edited.contains("alpha"), edited);
            assertEquals("export const users = ['ada'];\n", Files.readString(users), "the edit went through: " + edited);
        }
    }

    @Test
    void whenTheHoldersSessionEndsItsLeaseEndsAndTheEditGoesThrough() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path alphaDir = clone(sandbox, "alpha");
            Path betaDir = clone(sandbox, "beta");
            Path users = betaDir.resolve("src/api/users.ts");
            Session alpha = Session.in(sandbox, alphaDir, Script.directives()).streaming();
            alpha.send(CLAIM + "\nSAY claimed");
            alpha.awaitResult(1, Duration.ofSeconds(90));

            Session beta = Session.in(sandbox, betaDir, Script.directives()).streaming();
            beta.send("CALL Read {\"file_path\": \"" + users + "\"}\n" + edit(users) + "\nSAY stopped");
            beta.awaitResult(1, Duration.ofSeconds(90));
            assertTrue(lastResultOf(beta, "Edit").contains("'alpha' holds src/api/** exclusively"), lastResultOf(beta, "Edit"));

            assertEquals(0, alpha.endStreaming(Duration.ofSeconds(60)));
            beta.send(edit(users) + "\nSAY edited");
            beta.awaitResult(2, Duration.ofSeconds(90));
            assertEquals("export const users = ['ada'];\n", Files.readString(users), "the edit went through: " + lastResultOf(beta, "Edit"));
        }
    }

    @Test
    void aSharedLeaseLetsTheEditThroughAndTellsTheModelWhoElseIsOnTheFile() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path alphaDir = clone(sandbox, "alpha");
            Path betaDir = clone(sandbox, "beta");
            Path users = betaDir.resolve("src/api/users.ts");
            Session alpha = Session.in(sandbox, alphaDir, Script.directives()).streaming();
            alpha.send("CALL claim_files {\"paths\": [\"src/api/**\"], \"reason\": \"renaming the user type\", \"exclusive\": false}"
                    + "\nSAY claimed");
            alpha.awaitResult(1, Duration.ofSeconds(90));

            Session beta = Session.in(sandbox, betaDir, Script.directives()).streaming();
            beta.send("CALL Read {\"file_path\": \"" + users + "\"}\n" + edit(users) + "\nSAY edited");
            beta.awaitResult(1, Duration.ofSeconds(90));
            assertEquals("export const users = ['ada'];\n", Files.readString(users), "a shared lease does not stop the edit");
            ApiRequest after = beta.lastTurn();
            assertTrue(after.shownText().contains("other sessions share a lease on src/api/users.ts")
                    && after.shownText().contains("'alpha' holds src/api/** (shared)")
                    && after.shownText().contains("renaming the user type"), "the note reaches the model: " + after.shownText());
        }
    }
}
