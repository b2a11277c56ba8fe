package dev.claudemesh.store;

import dev.claudemesh.mesh.StoreException;
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
                    NEWEST)) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    private static final String NEWEST =
            "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL ORDER BY installed_rank DESC LIMIT 1";

    /** The same on PostgreSQL, in the connection's current schema. */
    static String currentVersionPostgres(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT to_regclass('flyway_schema_history') IS NOT NULL")) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    return null;
                }
            }
            try (ResultSet rs = s.executeQuery(NEWEST)) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /**
     * Migrates a PostgreSQL mesh when needed, from the migrations in {@code db/postgresql} (the same schema
     * with PostgreSQL's types). Flyway takes an advisory lock of its own there, so servers starting together
     * on a new database migrate it once.
     */
    static void ensureCurrentPostgres(Connection c, dev.claudemesh.config.DbUrl url) throws SQLException {
        if (LATEST.equals(currentVersionPostgres(c))) {
            return;
        }
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(url.jdbcUrl());
        ds.setApplicationName("claude-mesh");
        try {
            Flyway.configure(SchemaMigrations.class.getClassLoader())
                    .dataSource(ds)
                    .locations("classpath:db/postgresql")
                    .loggers("slf4j")
                    .cleanDisabled(true)
                    .load()
                    .migrate();
        } catch (org.flywaydb.core.api.FlywayException e) {
            throw new StoreException("cannot migrate the mesh schema in " + url.display() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Migrates when needed. Several processes may start at once on a new file, so the migration runs under an
     * exclusive lock on a side file, and the version is checked again once the lock is held.
     */
    // "try": the file lock is a resource held for the block and never referenced in it; holding it is its use.
    @SuppressWarnings("try")
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
