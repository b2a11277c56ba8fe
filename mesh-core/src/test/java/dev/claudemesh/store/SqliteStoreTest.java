package dev.claudemesh.store;

import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.mesh.StoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class SqliteStoreTest extends StoreContractTest {

    @TempDir
    Path tmp;

    private final List<SqliteStore> opened = new ArrayList<>();

    @AfterEach
    void closeStores() {
        opened.forEach(SqliteStore::close);
    }

    private SqliteStore open(Path db) {
        SqliteStore s = SqliteStore.open(db);
        opened.add(s);
        return s;
    }

    private SqliteStore mesh;

    @Override
    SqliteStore store() {
        if (mesh == null) {
            mesh = open(tmp.resolve("mesh.db"));
        }
        return mesh;
    }

    @Override
    MeshStore second() {
        return open(tmp.resolve("mesh.db"));
    }

    // ------------------------------------------------------------ files and schema

    @Test
    void newDatabaseFileIsPrivateAndNewDirectoryIsPrivate() throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
        Path dir = tmp.resolve("fresh/dir");
        Path db = dir.resolve("mesh.db");

        open(db);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(db)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("fresh"))));
    }

    @Test
    void journalModeIsWal() throws SQLException {
        Path db = tmp.resolve("mesh.db");
        open(db);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("PRAGMA journal_mode")) {
            assertTrue(rs.next());
            assertEquals("wal", rs.getString(1).toLowerCase());
        }
    }

    @Test
    void schemaVersionIsTheNewestMigrationFileAndLatest() throws IOException {
        Path migrations = Path.of("src/main/resources/db/migration");
        assertTrue(Files.isDirectory(migrations), "run from the mesh-server module: " + migrations.toAbsolutePath());
        Pattern versioned = Pattern.compile("V(\\d+)__.*\\.sql");
        int newest;
        try (Stream<Path> files = Files.list(migrations)) {
            newest = files.map(p -> versioned.matcher(p.getFileName().toString()))
                    .filter(Matcher::matches)
                    .mapToInt(m -> Integer.parseInt(m.group(1)))
                    .max().orElseThrow();
        }

        SqliteStore store = store();

        assertEquals(String.valueOf(newest), store.schemaVersion());
        assertEquals(String.valueOf(newest), SchemaMigrations.LATEST);
    }

    @Test
    void reopeningACurrentDatabaseKeepsDataAndVersion() {
        Path db = tmp.resolve("mesh.db");
        SqliteStore first = SqliteStore.open(db);
        first.addQuestion(question("q_1", "alice", "bob", "hello"));
        first.close();

        SqliteStore again = open(db);
        assertEquals(SchemaMigrations.LATEST, again.schemaVersion());
        assertEquals("hello", again.question("q_1").orElseThrow().body());
    }

    @Test
    void openingADirectoryFailsSayingItIsADirectory() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("iamadir"));
        StoreException e = assertThrows(StoreException.class, () -> open(dir));
        assertTrue(e.getMessage().contains("is a directory"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
    }

    @Test
    void openingAGarbageFileFailsSayingItIsNotASqliteDatabase() throws IOException {
        Path db = tmp.resolve("garbage.db");
        Files.writeString(db, "this is definitely not a database file\n".repeat(200), StandardCharsets.UTF_8);
        StoreException e = assertThrows(StoreException.class, () -> open(db));
        assertTrue(e.getMessage().contains("not a SQLite database"), e.getMessage());
        assertTrue(e.getMessage().contains(db.toString()), e.getMessage());
    }
}
