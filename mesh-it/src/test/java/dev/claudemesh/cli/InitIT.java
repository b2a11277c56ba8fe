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
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code claude-mesh init [name]} writing a project's .claude-mesh.json, next to real servers on the same mesh. */
// Checks the name against a mesh file that may not exist yet.
@org.junit.jupiter.api.Tag("sqlite-only")
class InitIT {
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

    Run init(Path project, String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "init";
        System.arraycopy(args, 0, all, 1, args.length);
        return MeshCli.run(project, Map.of("HOME", tmp.toString(), "MESH_DB_PATH", mesh.db.toString()), all);
    }

    @Test
    void withoutANameTheDirectorysNameIsWrittenMadeValid() throws Exception {
        Path project = mesh.project("My App!");

        Run r = init(project);

        assertEquals(0, r.exit(), r.toString());
        assertEquals("{\n  \"name\": \"My-App\"\n}\n", Files.readString(project.resolve(".claude-mesh.json")));
        assertTrue(r.out().contains("sessions in " + project.toRealPath() + " are 'My-App'"), r.out());
        assertFalse(Files.exists(mesh.db), "no mesh yet, so nobody holds the name; none is created to find that out");
    }

    @Test
    void theNameWrittenIsTheNameTheNextSessionTakesAndASecondRunSaysSo() throws Exception {
        Path project = mesh.project("svc");

        assertEquals(0, init(project, "payments").exit());
        Run again = init(project, "payments");

        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("already names this project 'payments'"), again.out());
        Map<String, Object> me = mesh.server(project).ok("register", Map.of());
        assertEquals("payments", me.get("name"));
    }

    @Test
    void anInvalidNameIsRefusedAndNothingIsWritten() throws Exception {
        Path project = mesh.project("svc");
        for (String bad : new String[]{"two words", "", "x".repeat(65), "ünïcode"}) {
            Run r = init(project, bad);
            assertEquals(1, r.exit(), "'" + bad + "': " + r);
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("claude-mesh: ") && r.err().contains("choose another name"), r.err());
            assertFalse(Files.exists(project.resolve(".claude-mesh.json")));
        }
    }

    @Test
    void aNameALiveSessionOfAnotherProjectHoldsIsRefusedButItsOwnProjectMayWriteIt() throws Exception {
        Path backend = mesh.project("backend");
        mesh.server(backend);
        Path other = mesh.project("api");

        Run r = init(other, "BACKEND");

        assertEquals(1, r.exit(), r.toString());
        assertEquals("claude-mesh: 'BACKEND' is taken: a live session of " + backend.toRealPath() + " holds it; choose another name\n", r.err());
        assertFalse(Files.exists(other.resolve(".claude-mesh.json")));

        Run own = init(backend, "backend");
        assertEquals(0, own.exit(), "the session holding it is this project's own: " + own);
    }

    @Test
    void otherKeysAndTheLayoutAreKeptAndAMalformedFileIsLeftAlone() throws Exception {
        Path project = mesh.project("svc");
        Path file = project.resolve(".claude-mesh.json");
        Files.writeString(file, "{\n    \"name\": \"old\",\n    \"team\": \"payments\"\n}\n");

        assertEquals(0, init(project, "new-name").exit());
        assertEquals("{\n    \"name\": \"new-name\",\n    \"team\": \"payments\"\n}\n", Files.readString(file));

        Files.writeString(file, "{\"name\": ");
        Run r = init(project, "fine");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().startsWith("claude-mesh: " + file.toRealPath() + ": is not valid JSON"), r.err());
        assertEquals("{\"name\": ", Files.readString(file));
    }
}
