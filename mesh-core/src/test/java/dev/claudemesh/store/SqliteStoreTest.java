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

    // ------------------------------------------------------------ files other users could have planted

    @Test
    void theMigrationLockIsMadePrivate() throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
        Path db = tmp.resolve("mesh.db");
        open(db);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("mesh.db.migrate-lock"))));
    }

    @Test
    void aDatabaseDirectoryOthersCanWriteIsRefusedAndNothingIsCreatedInIt() throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
        Path dir = Files.createDirectory(tmp.resolve("world-writable"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

        StoreException e = assertThrows(StoreException.class, () -> open(dir.resolve("mesh.db")));

        assertTrue(e.getMessage().startsWith("the mesh database directory " + dir + " is writable by other users (mode rwxrwxrwx)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("chmod go-w '" + dir + "'"), e.getMessage());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(), files.toList(), "nothing may be created in it");
        }
    }

    @Test
    void aWalFileOthersCanWriteIsRefusedAndNothingIsWrittenToIt() throws IOException {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs POSIX permissions");
        Path db = tmp.resolve("mesh.db");
        // Left by another user while the directory was open to them (or planted just now, had it been).
        Path wal = Files.createFile(tmp.resolve("mesh.db-wal"));
        Files.setPosixFilePermissions(wal, PosixFilePermissions.fromString("rw-rw-rw-"));

        StoreException e = assertThrows(StoreException.class, () -> open(db));

        assertTrue(e.getMessage().contains(wal + " is writable by other users"), e.getMessage());
        assertEquals(0, Files.size(wal), "no commit of ours went into it");
    }

    @Test
    void aSymlinkPlantedBesideTheDatabaseIsRefusedAndItsTargetUntouched() throws IOException {
        Path victim = Files.writeString(tmp.resolve("victims-notes.txt"), "keep me");
        for (String side : List.of("mesh.db-shm", "mesh.db-wal", "mesh.db.migrate-lock", "mesh.db-journal")) {
            Path planted = Files.createSymbolicLink(tmp.resolve(side), victim);
            StoreException e = assertThrows(StoreException.class, () -> open(tmp.resolve("mesh.db")), side);
            assertTrue(e.getMessage().contains(planted + " is a symbolic link"), e.getMessage());
            assertTrue(e.getMessage().contains("rm '" + planted + "'"), e.getMessage());
            Files.delete(planted);
        }
        assertEquals("keep me", Files.readString(victim));
    }

    @Test
    void aSymlinkInPlaceOfTheDatabaseIsRefused() throws IOException {
        Path target = tmp.resolve("elsewhere.db");
        Path db = Files.createSymbolicLink(tmp.resolve("mesh.db"), target);
        StoreException e = assertThrows(StoreException.class, () -> open(db));
        assertTrue(e.getMessage().contains(db + " is a symbolic link"), e.getMessage());
        assertTrue(Files.notExists(target));
    }

    @Test
    void aForeignSqliteFileIsRefusedAndLeftByteForByteAsItWas() throws Exception {
        Path db = tmp.resolve("notes.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE notes (body TEXT)");
            st.execute("INSERT INTO notes VALUES ('mine')");
        }
        byte[] before = Files.readAllBytes(db);

        StoreException e = assertThrows(StoreException.class, () -> open(db));

        assertTrue(e.getMessage().contains(db + " is a SQLite database of another program (tables: notes)"), e.getMessage());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(db)), "not switched to WAL, not written at all");
        for (String side : List.of("-wal", "-shm", "-journal", ".migrate-lock")) {
            assertTrue(Files.notExists(tmp.resolve("notes.db" + side)), side + " was created");
        }
    }

    @Test
    void aNewerSchemaIsRefusedNamingBothVersionsAndNotMigrated() throws Exception {
        Path db = tmp.resolve("mesh.db");
        SqliteStore first = SqliteStore.open(db);
        first.close();
        String future = String.valueOf(Integer.parseInt(SqliteStore.latestSchemaVersion()) + 1);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            st.execute("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum, "
                    + "installed_by, installed_on, execution_time, success) VALUES (99, '" + future + "', 'from the future', 'SQL', "
                    + "'V" + future + "__future.sql', 0, 'test', CURRENT_TIMESTAMP, 1, 1)");
        }
        int rowsBefore = historyRows(db);

        StoreException e = assertThrows(StoreException.class, () -> open(db));

        assertTrue(e.getMessage().contains("has schema version " + future + ", newer than this installation's " + SqliteStore.latestSchemaVersion()),
                e.getMessage());
        assertTrue(e.getMessage().contains("git pull"), e.getMessage());
        assertEquals(rowsBefore, historyRows(db), "Flyway did not run again (it adds a row when it looks at a newer schema)");
    }

    private static int historyRows(Path db) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM flyway_schema_history")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
