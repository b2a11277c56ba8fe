package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.testing.MeshCli;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * File leases through real server processes: the tools, the check the PreToolUse hook calls (check_edit, whose
 * text is hook JSON), and the CLI. The sessions work in two clones of one repository (one origin) and, where it
 * matters, record two host names: on the PostgreSQL pass that is two machines sharing leases.
 */
class LeasesIT {
    private static final String ORIGIN = "https://github.com/acme/shop.git";

    @TempDir
    Path tmp;
    MeshFixture mesh;

    @BeforeEach
    void start() {
        mesh = new MeshFixture(tmp);
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    private Path clone(String name, String origin) throws Exception {
        Path dir = mesh.project(name);
        git(dir, "init", "-q");
        git(dir, "remote", "add", "origin", origin);
        return dir.toRealPath();
    }

    private static void git(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        assertEquals(0, new ProcessBuilder(cmd).inheritIO().start().waitFor());
    }

    /** What check_edit told the hook, as hook JSON. */
    private static JsonNode check(Peer p, Path file) throws Exception {
        String text = MeshFixture.text(p.call("check_edit", Map.of("tool_name", "Edit", "file_path", file.toString(), "notebook_path", "")));
        return MeshFixture.JSON.readTree(text);
    }

    @Test
    void twoClonesOnTwoHostsShareLeasesAndAnEditThereIsDeniedNamingTheHolderUntilItReleases() throws Exception {
        Path laptopDir = clone("frontend", ORIGIN);
        Path buildboxDir = clone("backend", "git@github.com:acme/shop");
        Peer laptop = mesh.server(laptopDir, Map.of("MESH_HOST_NAME", "laptop"));
        Peer buildbox = mesh.server(buildboxDir, Map.of("MESH_HOST_NAME", "buildbox"));

        Map<String, Object> granted = laptop.ok("claim_files", Map.of("paths", List.of("src/api/"), "reason", "reworking the users API"));
        String lease = (String) granted.get("lease_id");
        assertEquals(List.of("src/api/**"), granted.get("paths"));

        JsonNode denied = check(buildbox, buildboxDir.resolve("src/api/users.ts")).path("hookSpecificOutput");
        assertEquals("PreToolUse", denied.path("hookEventName").asText());
        assertEquals("deny", denied.path("permissionDecision").asText());
        String why = denied.path("permissionDecisionReason").asText();
        assertTrue(why.contains("'frontend' holds src/api/** exclusively (lease " + lease), why);
        assertTrue(why.contains("reworking the users API"), why);
        assertTrue(why.contains("ask_peer {\"to\": \"frontend\""), why);
        assertEquals("{}", MeshFixture.text(buildbox.call("check_edit", Map.of("tool_name", "Edit",
                "file_path", buildboxDir.resolve("src/web/app.ts").toString()))), "a file nobody holds");
        assertEquals("{}", MeshFixture.text(laptop.call("check_edit", Map.of("tool_name", "Edit",
                "file_path", laptopDir.resolve("src/api/users.ts").toString()))), "the holder's own edit");

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> claims = (List<Map<String, Object>>) buildbox.ok("list_claims", Map.of()).get("claims");
        assertEquals(1, claims.size());
        assertEquals("frontend", claims.get(0).get("holder"));
        assertEquals(false, claims.get(0).get("mine"));
        assertEquals("github.com/acme/shop", buildbox.ok("list_claims", Map.of()).get("repository"));

        assertTrue(buildbox.error("claim_files", Map.of("paths", List.of("**/*.ts"), "reason", "mine now"))
                .contains("'frontend' holds src/api/** exclusively"), "an exclusive claim over it is refused");

        laptop.ok("release_files", Map.of("lease_id", lease));
        assertEquals("{}", MeshFixture.text(buildbox.call("check_edit", Map.of("tool_name", "Edit",
                "file_path", buildboxDir.resolve("src/api/users.ts").toString()))));
    }

    @Test
    void aLeaseEndsWithItsSessionAndTheNextSessionWithTheNameDoesNotInheritIt() throws Exception {
        Path a = clone("frontend", ORIGIN);
        Path b = clone("backend", ORIGIN);
        Peer first = mesh.server(a);
        Peer other = mesh.server(b);
        first.ok("claim_files", Map.of("paths", List.of("src/api/**"), "reason", "reworking", "exclusive", true));
        assertEquals("deny", check(other, b.resolve("src/api/users.ts")).path("hookSpecificOutput").path("permissionDecision").asText());
        first.stop();
        Peer successor = mesh.server(a);
        assertEquals("frontend", successor.ok("register", Map.of()).get("name"));
        assertEquals(List.of(), successor.ok("list_claims", Map.of()).get("claims"), "the successor holds nothing");
        assertEquals("{}", MeshFixture.text(other.call("check_edit", Map.of("file_path", b.resolve("src/api/users.ts").toString()))));
    }

    @Test
    void aSharedLeaseLetsTheEditThroughWithANoteAndTheClaimIsToldWhatItOverlaps() throws Exception {
        Path a = clone("frontend", ORIGIN);
        Path b = clone("backend", ORIGIN);
        Peer holder = mesh.server(a);
        Peer other = mesh.server(b);
        holder.ok("claim_files", Map.of("paths", List.of("src/**/*.ts"), "reason", "renaming types", "exclusive", false));
        JsonNode note = check(other, b.resolve("src/api/users.ts")).path("hookSpecificOutput");
        assertTrue(note.path("permissionDecision").isMissingNode(), "the edit is not stopped: " + note);
        assertTrue(note.path("additionalContext").asText().contains("'frontend' holds src/**/*.ts (shared)"), note.toString());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> overlaps = (List<Map<String, Object>>) other.ok("claim_files",
                Map.of("paths", List.of("src/api/**"), "reason", "users API")).get("overlaps");
        assertEquals("frontend", overlaps.get(0).get("holder"));
    }

    @Test
    void badPathsAreRefusedWithWhatToDoAndNothingIsClaimed() throws Exception {
        Path a = clone("frontend", ORIGIN);
        Peer p = mesh.server(a);
        assertTrue(p.error("claim_files", Map.of("paths", List.of("/etc/passwd"), "reason", "x")).contains("is outside the repository"));
        assertTrue(p.error("claim_files", Map.of("paths", List.of("../other/**"), "reason", "x")).contains("'..'"));
        assertTrue(p.error("claim_files", Map.of("paths", List.of(""), "reason", "x")).contains("a path is empty"));
        assertTrue(p.error("claim_files", Map.of("paths", List.of(), "reason", "x")).contains("paths"));
        assertTrue(p.error("claim_files", Map.of("paths", List.of("src/**"), "reason", "  ")).contains("reason is empty"));
        assertTrue(p.error("release_files", Map.of()).contains("give lease_id"));
        assertEquals(List.of(), p.ok("list_claims", Map.of("scope", "all")).get("claims"));
    }

    @Test
    void theCommandLineListsClaimsAndTailShowsClaimsAndReleases() throws Exception {
        Path a = clone("frontend", ORIGIN);
        Peer p = mesh.server(a);
        String lease = (String) p.ok("claim_files", Map.of("paths", List.of("src/api/**"), "reason", "reworking the users API")).get("lease_id");
        MeshCli.Run claims = MeshCli.run(a, mesh.env(a), "claims");
        assertEquals(0, claims.exit(), claims.toString());
        assertTrue(claims.out().contains(lease) && claims.out().contains("frontend") && claims.out().contains("exclusive")
                && claims.out().contains("src/api/**: reworking the users API"), claims.out());
        p.ok("release_files", Map.of("paths", List.of("src/api/**")));
        MeshCli.Run tail = MeshCli.run(a, mesh.env(a), "tail", "--from-start", "--no-follow");
        assertEquals(0, tail.exit(), tail.toString());
        assertTrue(tail.out().matches("(?s).*claimed +" + lease + " frontend: src/api/\\*\\*\n.*released +" + lease + " frontend: src/api/\\*\\*\n.*"),
                tail.out());
        assertTrue(MeshCli.run(a, mesh.env(a), "claims").out().startsWith("No claims"));
    }
}
