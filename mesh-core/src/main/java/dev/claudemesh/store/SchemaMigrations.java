package dev.claudemesh.store;

import dev.claudemesh.config.PrivateFiles;
import dev.claudemesh.mesh.StoreException;
import org.flywaydb.core.Flyway;
import org.sqlite.SQLiteDataSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Brings the schema to {@link #LATEST} with Flyway, the migrations being the SQL files in
 * {@code db/migration}. Loading Flyway costs a few hundred milliseconds, so the common case, a database
 * already current, is decided with one cheap query and Flyway is never touched.
 */
final class SchemaMigrations {
    /** The newest migration's version; a unit test keeps it equal to the newest file. */
    static final String LATEST = "4";

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

    /**
     * The schema version of the mesh on {@code c} (null for a new, empty file), read without writing anything;
     * refused with a StoreException naming {@code where} when the file belongs to another program (tables but
     * no claude-mesh schema) or has a schema newer than this code's, which it must not touch (Flyway would
     * otherwise run on every start, and the older code would misread the newer tables).
     */
    static String usableVersion(Connection c, String where) throws SQLException {
        String version = ourVersion(c, where);
        refuseNewer(where, version);
        return version;
    }

    /** The schema version (null: none yet) of a file that is claude-mesh's; refused when it is another program's. */
    static String ourVersion(Connection c, String where) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")) {
            while (rs.next()) {
                tables.add(rs.getString(1));
            }
        }
        if (tables.isEmpty()) {
            return null;
        }
        // A history table alone is a first migration that was interrupted; ours to finish.
        boolean ours = tables.contains("flyway_schema_history") && (tables.contains("peers") || tables.size() == 1);
        if (!ours) {
            throw new StoreException("the file " + where + " is a SQLite database of another program (tables: "
                    + String.join(", ", tables.subList(0, Math.min(8, tables.size()))) + (tables.size() > 8 ? ", …" : "")
                    + "), not a claude-mesh database; it was left untouched; set MESH_DB_PATH to another file");
        }
        return currentVersion(c);
    }

    /** A schema this code does not know yet was made by a newer claude-mesh: refused, naming both versions. */
    static void refuseNewer(String where, String version) {
        if (version != null && compare(version, LATEST) > 0) {
            throw new StoreException("the mesh database " + where + " has schema version " + version
                    + ", newer than this installation's " + LATEST + " (a newer claude-mesh made it); it was left "
                    + "untouched; update this checkout (git pull, then build) to the version the other sessions run, "
                    + "or set MESH_DB_PATH to another file");
        }
    }

    /** Flyway versions compared as numbers, part by part ("2" < "10", "2.1" > "2"). */
    static int compare(String a, String b) {
        String[] x = a.split("[._]");
        String[] y = b.split("[._]");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            String p = i < x.length ? x[i] : "0";
            String q = i < y.length ? y[i] : "0";
            int c;
            try {
                c = Long.compare(Long.parseLong(p), Long.parseLong(q));
            } catch (NumberFormatException e) {
                c = p.compareTo(q);
            }
            if (c != 0) {
                return c;
            }
        }
        return 0;
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
        String version = currentVersionPostgres(c);
        if (LATEST.equals(version)) {
            return;
        }
        refuseNewer(url.display(), version);
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
     * Migrates when needed ({@code version} being what {@link #usableVersion} found). Several processes may
     * start at once on a new file, so the migration runs under an exclusive lock on a side file (made 0600,
     * never through a link), and the version is checked again once the lock is held.
     */
    // "try": the file lock is a resource held for the block and never referenced in it; holding it is its use.
    @SuppressWarnings("try")
    static void ensureCurrent(Connection c, Path db, String url, int busyTimeoutMs, String version) throws SQLException {
        if (LATEST.equals(version)) {
            return;
        }
        Path lockFile = db.resolveSibling(db.getFileName() + ".migrate-lock");
        try (FileChannel ch = PrivateFiles.open(lockFile);
             FileLock ignored = ch.lock()) {
            if (LATEST.equals(usableVersion(c, db.toString()))) {
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
