package dev.claudemesh.store;

import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteDataSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Brings the schema to {@link #LATEST} with Flyway, the migrations being the SQL files in
 * {@code db/migration}. Loading Flyway costs a few hundred milliseconds, so the common case, a database
 * already current, is decided with one cheap query and Flyway is never touched.
 */
final class SchemaMigrations {
    /** The newest migration's version; a unit test keeps it equal to the newest file. */
    static final String LATEST = "2";

    private SchemaMigrations() {
    }

    static String currentVersion(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'flyway_schema_history'")) {
                if (!rs.next() || rs.getInt(1) == 0) {
                    return null;
                }
            }
            try (ResultSet rs = s.executeQuery(
                    "SELECT version FROM flyway_schema_history WHERE success = 1 AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1")) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * Migrates when needed. Several processes may start at once on a new file, so the migration runs under an
     * exclusive lock on a side file, and the version is checked again once the lock is held.
     */
    static void ensureCurrent(Connection c, Path db, String url, int busyTimeoutMs) throws SQLException {
        if (LATEST.equals(currentVersion(c))) {
            return;
        }
        Path lockFile = db.resolveSibling(db.getFileName() + ".migrate-lock");
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            if (LATEST.equals(currentVersion(c))) {
                return;
            }
            SQLiteDataSource ds = new SQLiteDataSource();
            ds.setUrl(url);
            ds.setBusyTimeout(busyTimeoutMs);
            Flyway.configure(SchemaMigrations.class.getClassLoader())
                    .dataSource(ds)
                    .locations("classpath:db/migration")
                    .loggers("slf4j")
                    .cleanDisabled(true)
                    .load()
                    .migrate();
        } catch (IOException e) {
            throw new StoreException("cannot lock " + lockFile + " to migrate the schema (" + SqliteFiles.describe(e) + ")", e);
        } catch (org.flywaydb.core.api.FlywayException e) {
            throw new StoreException("cannot migrate the mesh schema in " + db + ": " + e.getMessage(), e);
        }
    }
}
