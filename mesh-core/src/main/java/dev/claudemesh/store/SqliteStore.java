package dev.claudemesh.store;

import dev.claudemesh.mesh.StoreException;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * The mesh on one SQLite file shared by every process on the machine.
 *
 * <p>WAL mode lets readers run beside the one writer; every write transaction starts with
 * {@code BEGIN IMMEDIATE} so it takes the write lock up front and waits (busy timeout) instead of failing
 * half way with SQLITE_BUSY when it upgrades from reading. Within a process one connection serves all
 * threads under a lock: SQLite serialises writers anyway, and the waits are microseconds.
 */
public final class SqliteStore extends JdbcStore {
    /** How long a server waits for another process's write lock before reporting the database as locked. */
    public static final int BUSY_TIMEOUT_MS = 10_000;
    /** Hooks wait less: all SessionEnd hooks together get 1.5 s, and a hook must report, not be killed. */
    public static final int HOOK_BUSY_TIMEOUT_MS = 1_000;

    private final Connection conn;
    private final Path path;
    private final int busyTimeoutMs;
    private Connection watcher;

    private SqliteStore(Path path, Connection conn, int busyTimeoutMs) {
        this.path = path;
        this.conn = conn;
        this.busyTimeoutMs = busyTimeoutMs;
    }

    /** Opens (creating with private permissions, and migrating, when needed) the mesh at {@code db}. */
    public static SqliteStore open(Path db) {
        return open(db, BUSY_TIMEOUT_MS);
    }

    public static SqliteStore open(Path db, int busyTimeoutMs) {
        SqliteFiles.prepare(db);
        String url = "jdbc:sqlite:" + db;
        Connection c = null;
        try {
            c = open(url, busyTimeoutMs);
            // Before anything is written (the switch to WAL, a migration's lock file): a file of another
            // program, or of a newer claude-mesh, is refused exactly as it was found.
            String version = SchemaMigrations.usableVersion(c, db.toString());
            tune(c);
            SchemaMigrations.ensureCurrent(c, db, url, busyTimeoutMs, version);
            return new SqliteStore(db, c, busyTimeoutMs);
        } catch (SQLException e) {
            closeQuietly(c);
            throw translate(db, e, busyTimeoutMs);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * Why the mesh files at {@code db} (its directory, the database, the files beside it) must not be used,
     * as every process would refuse them; empty when they may. Changes nothing.
     */
    public static Optional<dev.claudemesh.config.PrivateFiles.Problem> problemWithFiles(Path db) {
        return SqliteFiles.problem(db);
    }

    /** The schema version this code migrates to. */
    public static String latestSchemaVersion() {
        return SchemaMigrations.LATEST;
    }

    /**
     * The schema version of an existing database file, read without creating, migrating or writing anything
     * (for doctor); empty when the file has no schema yet. Refused with a StoreException when the file is not
     * a usable SQLite database or is another program's; a newer schema is returned, for the caller to judge.
     */
    public static Optional<String> peekSchemaVersion(Path db) {
        if (!Files.isRegularFile(db)) {
            throw new StoreException("the mesh database " + db + " does not exist");
        }
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(true);
        cfg.setBusyTimeout(BUSY_TIMEOUT_MS);
        try (Connection c = cfg.createConnection("jdbc:sqlite:" + db)) {
            return Optional.ofNullable(SchemaMigrations.ourVersion(c, db.toString()));
        } catch (SQLException e) {
            throw translate(db, e, BUSY_TIMEOUT_MS);
        }
    }

    private static Connection connect(String url, int busyTimeoutMs) throws SQLException {
        Connection c = open(url, busyTimeoutMs);
        try {
            tune(c);
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
        return c;
    }

    /** A connection with the busy timeout in force, and nothing written yet. */
    private static Connection open(String url, int busyTimeoutMs) throws SQLException {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setBusyTimeout(busyTimeoutMs);
        Connection c = cfg.createConnection(url);
        try (Statement s = c.createStatement()) {
            // Order matters: the busy timeout must be in force before journal_mode, which needs a lock.
            s.execute("PRAGMA busy_timeout = " + busyTimeoutMs);
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
        return c;
    }

    private static void tune(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
                rs.next();
            }
            // NORMAL in WAL mode: a commit survives any process crash (kill -9); only an OS crash or power
            // cut can lose the last commits. FULL would fsync on every message for little gain here.
            s.execute("PRAGMA synchronous = NORMAL");
        }
    }

    static StoreException translate(Path db, SQLException e, int busyTimeoutMs) {
        int code = e instanceof SQLiteException se ? se.getResultCode().code & 0xff : e.getErrorCode() & 0xff;
        String what;
        if (code == SQLiteErrorCode.SQLITE_NOTADB.code) {
            what = "is not a SQLite database; move it aside or set MESH_DB_PATH to another file";
        } else if (code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code) {
            what = "stayed locked by another program for over " + busyTimeoutMs + " ms; close whatever holds it and try again";
        } else if (code == SQLiteErrorCode.SQLITE_READONLY.code || code == SQLiteErrorCode.SQLITE_PERM.code
                || code == SQLiteErrorCode.SQLITE_CANTOPEN.code) {
            what = "cannot be opened for writing; check its permissions and its directory's, or set MESH_DB_PATH elsewhere";
        } else if (code == SQLiteErrorCode.SQLITE_CORRUPT.code) {
            what = "is damaged; move it aside (the mesh starts a new one) or set MESH_DB_PATH elsewhere";
        } else if (code == SQLiteErrorCode.SQLITE_FULL.code) {
            what = "cannot grow: the disk is full";
        } else {
            what = "failed: " + e.getMessage();
        }
        return new StoreException("the mesh database " + db + " " + what, e);
    }

    // ---------------------------------------------------------------- the backend's part of JdbcStore

    @Override
    protected Connection connection() {
        return conn;
    }

    @Override
    protected void begin(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
        }
    }

    @Override
    protected void commit(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("COMMIT");
        }
    }

    @Override
    protected void rollback(Connection c) {
        try (Statement s = c.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // no transaction was open, or the original failure is the one worth reporting
        }
    }

    @Override
    protected StoreException translate(SQLException e) {
        return translate(path, e, busyTimeoutMs);
    }

    /**
     * The busy timeout already waits for other writers; a transaction that still meets SQLITE_BUSY at once (a
     * checkpoint or a lock upgrade racing ours) is worth another go. One that waited out the whole busy
     * timeout means another program holds the lock, and the caller should hear so.
     */
    @Override
    protected boolean retryable(SQLException e, boolean beforeWork, long waitedNanos, int attempt) {
        boolean immediate = waitedNanos < busyTimeoutMs * 500_000L;
        return attempt < 5 && immediate && isBusy(e);
    }

    private static boolean isBusy(Throwable t) {
        if (t instanceof SQLiteException se) {
            int code = se.getResultCode().code & 0xff;
            return code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code;
        }
        return false;
    }

    @Override
    protected String joinRecipients() {
        return "group_concat(recipient, ',')";
    }

    // ---------------------------------------------------------------- change detection

    /**
     * {@code PRAGMA data_version} changes when any other connection commits. It is answered from the WAL
     * index in shared memory, so reading it costs microseconds and no disk I/O; it is what lets a waiting
     * ask_peer notice a reply within milliseconds without re-running queries. It is read on a connection of
     * its own, so commits from this process's main connection count as well.
     */
    @Override
    public long changeCounter() {
        lock.lock();
        try {
            if (watcher == null) {
                watcher = connect("jdbc:sqlite:" + path, busyTimeoutMs);
            }
            try (Statement s = watcher.createStatement(); ResultSet rs = s.executeQuery("PRAGMA data_version")) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw translate(e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String where() {
        return path.toString();
    }

    @Override
    public String schemaVersion() {
        return read(SchemaMigrations::currentVersion);
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closeQuietly(watcher);
            closeQuietly(conn);
        } finally {
            lock.unlock();
        }
    }
}
