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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code claude-mesh uninstall --purge}: after a real install and a real session, it removes the database, the
 * files beside it, install's backups and the start-up cache's entries, and nothing else; never without being
 * told (a question on a terminal, or --yes), and never under an active session.
 */
@org.junit.jupiter.api.Tag("sqlite-only") // the file's to remove; a PostgreSQL mesh is left alone by design
class PurgeIT {
    @TempDir
    Path tmp;
    Path home;
    Path project;
    Path cache;
    MeshFixture mesh;
    final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void install() throws Exception {
        home = Files.createDirectories(tmp.resolve("home"));
        project = Files.createDirectories(tmp.resolve("work").resolve("app")).toRealPath();
        mesh = new MeshFixture(Files.createDirectories(home.resolve(".claude-mesh")));
        cache = Files.createDirectories(home.resolve(".claude-mesh").resolve("cache"));
        env.put("HOME", home.toString());
        env.put("MESH_DB_PATH", mesh.db.toString());
        // A cache of the test's own (never the build's shared one), filled by hand: no launcher builds one meanwhile.
        env.put("CLAUDE_MESH_CACHE_DIR", cache.toString());
        env.put("CLAUDE_MESH_NO_CACHE", "1");
        Files.writeString(home.resolve(".claude.json"), "{\"theme\": \"dark\"}\n"); // install backs it up before changing it
        assertEquals(0, cli("install").exit());
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    Run cli(String... args) throws Exception {
        return MeshCli.run(project, env, args);
    }

    @Test
    void purgeRemovesTheDatabaseBackupsAndCacheEntriesAndNothingElse() throws Exception {
        MeshFixture.Peer backend = mesh.server(mesh.project("backend"));
        backend.stop();
        assertEquals(0, cli("gc").exit());
        Path backup = home.resolve(".claude.json.claude-mesh-backup");
        assertTrue(Files.exists(backup), "precondition: install made a backup");
        Path archive = Files.writeString(cache.resolve("cli-_some_jar.jsa"), "an archive");
        Path source = Files.writeString(cache.resolve("cli-_some_jar.jsa.source"), "/some/jar\n");
        Path nativeDir = Files.createDirectories(cache.resolve("native-_some_jar"));
        Files.writeString(nativeDir.resolve("libsqlitejdbc.so"), "a library");
        Path notOurs = Files.writeString(cache.resolve("notes.txt"), "the user's own");
        List<Path> ours = List.of(mesh.db, backup, archive, source, nativeDir);

        Run dry = cli("uninstall", "--purge", "--dry-run");
        Run unasked = cli("uninstall", "--purge");
        ours.forEach(p -> assertTrue(Files.exists(p), "neither a dry run nor a purge nobody confirmed removes " + p));
        Run purged = cli("uninstall", "--purge", "--yes");

        assertEquals(0, dry.exit(), dry.toString());
        ours.forEach(p -> assertTrue(dry.out().contains("  " + p + "\n"), "the dry run lists " + p + ":\n" + dry.out()));
        assertEquals(2, unasked.exit(), unasked.toString());
        assertTrue(unasked.err().contains("add --yes"), unasked.err());
        assertEquals(0, purged.exit(), purged.toString());
        ours.forEach(p -> assertFalse(Files.exists(p), p + " is still there:\n" + purged.out()));
        assertTrue(Files.exists(notOurs), "a file that is not the cache's own stays");
        assertFalse(Files.exists(mesh.db.resolveSibling("run")), purged.out());
        String config = Files.readString(home.resolve(".claude.json"));
        assertTrue(config.contains("\"theme\"") && !config.contains("claude-mesh"), "uninstalled, the rest kept: " + config);
        assertTrue(purged.out().contains("Purged."), purged.out());
    }

    @Test
    void purgeIsRefusedWhileASessionIsActiveAndRemovesNothing() throws Exception {
        mesh.server(mesh.project("backend"));

        Run r = cli("uninstall", "--purge", "--yes");

        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.err().contains("1 session is active (backend)"), r.err());
        assertTrue(Files.exists(mesh.db));
        assertTrue(Files.readString(home.resolve(".claude.json")).contains("claude-mesh"), "not even the configuration changed");
    }
}
