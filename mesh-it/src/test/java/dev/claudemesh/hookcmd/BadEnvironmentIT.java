package dev.claudemesh.hookcmd;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.HookRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.claudemesh.testing.MeshFixture.hookJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A database the mesh cannot or must not use, and a broken .claude-mesh.json: the server says so in one
 * message and exits 1; every hook says so in one stderr line, prints nothing on stdout and exits 0.
 */
// The SQLite file's own failure modes (a directory, a garbage file, permissions, a lock); PostgreSQL's are in PostgresStoreIT and PostgresMeshIT.
@org.junit.jupiter.api.Tag("sqlite-only")
class BadEnvironmentIT {
    @TempDir
    Path tmp;

    record Run(int exit, String stdout, String stderr) {
    }

    Path project() throws Exception {
        return Files.createDirectories(tmp.resolve("proj"));
    }

    Map<String, String> env(Path db) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("MESH_DB_PATH", db.toString());
        env.put("CLAUDE_PROJECT_DIR", project().toString());
        return env;
    }

    Run server(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(MeshFixture.bin("claude-mesh-server").toString());
        pb.environment().put("CLAUDE_MESH_CACHE_DIR", dev.claudemesh.testing.MeshCli.LAUNCHER_CACHE.toString());
        MeshFixture.putEnv(pb, env);
        Process p = pb.start();
        p.getOutputStream().close();
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        Thread o = new Thread(() -> transfer(p.getInputStream(), out));
        Thread e = new Thread(() -> transfer(p.getErrorStream(), err));
        o.start();
        e.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "server did not exit");
        o.join();
        e.join();
        return new Run(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void transfer(java.io.InputStream in, java.io.OutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (java.io.IOException ignored) {
            // ended
        }
    }

    /** The server refuses with a message containing {@code expected}; so does every hook, politely. */
    void everyoneRefuses(Map<String, String> env, String expected) throws Exception {
        Run s = server(env);
        assertEquals(1, s.exit(), "server exit; stderr: " + s.stderr());
        assertEquals("", s.stdout(), "nothing may reach the JSON-RPC channel");
        assertTrue(s.stderr().contains(expected), s.stderr());
        assertEquals(1, s.stderr().strip().lines().count(), "one message, no stack trace: " + s.stderr());

        Path cwd = Path.of(env.get("CLAUDE_PROJECT_DIR"));
        for (String[] h : List.of(new String[]{"session-start", "SessionStart"}, new String[]{"inbox-poll", "UserPromptSubmit"},
                new String[]{"inbox-poll", "Stop"}, new String[]{"session-end", "SessionEnd"})) {
            HookRun r = MeshFixture.hook(h[0], env, hookJson(h[1], "s1", cwd, Map.of()).getBytes(StandardCharsets.UTF_8));
            assertEquals(0, r.exitCode(), h[0]);
            assertEquals("", r.stdout(), h[0]);
            assertTrue(r.stderr().contains(expected), h[0] + ": " + r.stderr());
            assertEquals(1, r.stderr().strip().lines().count(), h[0] + ": " + r.stderr());
        }
    }

    @Test
    void aDatabasePathThatIsADirectoryIsRefusedClearly() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("a-directory"));
        everyoneRefuses(env(dir), "is a directory");
    }

    @Test
    void aDatabasePathThatCannotBeCreatedIsRefusedClearly() throws Exception {
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        everyoneRefuses(env(file.resolve("mesh.db")), "cannot create the mesh database");
    }

    @Test
    void aFileThatIsNotSqliteIsRefusedClearly() throws Exception {
        Path db = tmp.resolve("mesh.db");
        Files.write(db, "this is a text file, not a database; it is long enough to have a header. ".repeat(20).getBytes());
        Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-------"));
        everyoneRefuses(env(db), "is not a SQLite database");
        assertTrue(Files.readString(db).startsWith("this is a text file"), "the file is left untouched");
    }

    @Test
    void aMeshFileOtherUsersCanWriteIsRefused() throws Exception {
        Assumptions.assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path db = tmp.resolve("mesh.db");
        Files.createFile(db);
        Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-rw-rw-"));
        everyoneRefuses(env(db), "writable by other users");
    }

    @Test
    void aDatabaseLockedByAnotherProgramIsReportedNotWaitedOnForever() throws Exception {
        Path db = tmp.resolve("mesh.db");
        // Another program takes the file in rollback-journal mode and holds an exclusive lock.
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + db)) {
            Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-------"));
            try (Statement st = other.createStatement()) {
                st.execute("PRAGMA journal_mode = DELETE");
                st.execute("CREATE TABLE theirs (x)");
                st.execute("BEGIN EXCLUSIVE");
                st.execute("INSERT INTO theirs VALUES (1)");
            }
            everyoneRefuses(env(db), "locked by another program");
        }
    }

    @Test
    void aMalformedProjectFileIsReportedWithItsPath() throws Exception {
        Path proj = project();
        Files.writeString(proj.resolve(".claude-mesh.json"), "{\"name\": \"backend\",");
        Map<String, String> env = env(tmp.resolve("mesh.db"));
        everyoneRefuses(env, proj.resolve(".claude-mesh.json").toString());
    }

    @Test
    void aBadNameInTheProjectFileIsReportedWithItsPath() throws Exception {
        Path proj = project();
        Files.writeString(proj.resolve(".claude-mesh.json"), "{\"name\": \"../etc/passwd\"}");
        Run s = server(env(tmp.resolve("mesh.db")));
        assertEquals(1, s.exit());
        assertTrue(s.stderr().contains(".claude-mesh.json") && s.stderr().contains("may hold only letters"), s.stderr());
    }

    // ------------------------------------------------------------------ files other users could have planted

    @Test
    void aDatabaseDirectoryOtherUsersCanWriteIsRefusedByTheServerAndEveryHook() throws Exception {
        Assumptions.assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path dir = Files.createDirectory(tmp.resolve("open-to-all"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        everyoneRefuses(env(dir.resolve("mesh.db")), "the mesh database directory " + dir + " is writable by other users");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "nobody created anything in it");
        }
    }

    @Test
    void aWalFileAnotherUserPlantedIsRefusedByEveryoneAndNothingIsWrittenToIt() throws Exception {
        Assumptions.assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path db = tmp.resolve("mesh.db");
        Path wal = Files.createFile(tmp.resolve("mesh.db-wal"));
        Files.setPosixFilePermissions(wal, PosixFilePermissions.fromString("rw-rw-rw-"));
        everyoneRefuses(env(db), wal + " is writable by other users");
        assertEquals(0, Files.size(wal));
    }

    @Test
    void aForeignSqliteFileIsRefusedByEveryoneAndLeftExactlyAsItWas() throws Exception {
        Path db = tmp.resolve("mesh.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE invoices (id INTEGER, total TEXT)");
            st.execute("INSERT INTO invoices VALUES (1, '12.50')");
        }
        Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-------"));
        byte[] before = Files.readAllBytes(db);

        everyoneRefuses(env(db), "is a SQLite database of another program (tables: invoices)");

        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(db)), "the file was changed (switched to WAL?)");
        for (String side : List.of("mesh.db-wal", "mesh.db-shm", "mesh.db-journal", "mesh.db.migrate-lock")) {
            assertTrue(Files.notExists(tmp.resolve(side)), side + " was created beside it");
        }
    }

    @Test
    void aNewerSchemaIsRefusedByEveryoneNamingBothVersions() throws Exception {
        Path db = tmp.resolve("mesh.db");
        HookRun made = MeshFixture.hook("session-start", env(db), hookJson("SessionStart", "s0", project(), Map.of())
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(0, made.exitCode(), made.stderr());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
                    + "installed_by, installed_on, execution_time, success) VALUES (99, '7', 'from a newer claude-mesh', 'SQL', "
                    + "'V7__newer.sql', 0, 'test', CURRENT_TIMESTAMP, 1, 1)");
        }
        everyoneRefuses(env(db), "has schema version 7, newer than this installation's "
                + dev.claudemesh.store.SqliteStore.latestSchemaVersion());
    }

    // ------------------------------------------------------------------ no HOME

    @Test
    void withoutHomeTheServerExitsOneSayingSoAndEveryHookSaysItInOneLine() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("CLAUDE_PROJECT_DIR", project().toString());
        env.put("HOME", null);
        env.put("MESH_DB_PATH", null);
        // The JVM's own idea of home (the password database) must not stand in: point it somewhere watched.
        Path javaHome = Files.createDirectories(tmp.resolve("user.home"));
        env.put("CLAUDE_MESH_JAVA_OPTS", "-Duser.home=" + javaHome);
        env.put("CLAUDE_MESH_CACHE_DIR", MeshFixture.repoRoot().resolve("mesh-server/target/it-launcher-cache").toString());
        everyoneRefuses(env, "HOME is not set");
        try (var files = Files.list(javaHome)) {
            assertEquals(List.of(), files.toList(), "nothing was made in Java's user.home instead");
        }
    }
}
