package dev.claudemesh.testing;

import dev.claudemesh.config.DbUrl;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;

/**
 * Which backend the integration tests run against, and, for PostgreSQL, a database of their own per fixture.
 *
 * <p>{@code -Dmesh.test.backend=postgresql} (the build's second failsafe run, active when MESH_TEST_PG_URL is
 * set) switches every fixture to PostgreSQL. MESH_TEST_PG_URL is a JDBC URL of a user that may create
 * databases; {@code .ci/pg-cluster start DIR} starts a throw-away cluster and prints it.
 */
public final class TestDatabases {
    public static final boolean POSTGRES = "postgresql".equals(System.getProperty("mesh.test.backend"));
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestDatabases() {
    }

    public static String adminUrl() {
        String url = System.getenv("MESH_TEST_PG_URL");
        if (url == null || url.isBlank()) {
            throw new IllegalStateException("mesh.test.backend=postgresql needs MESH_TEST_PG_URL, a JDBC URL of a user "
                    + "who may create databases; '.ci/pg-cluster start DIR' starts a throw-away cluster and prints one");
        }
        return url;
    }

    /** Creates an empty database and returns its URL (same server, user and properties as the admin URL). */
    public static String create() {
        String name = "mt_" + HexFormat.of().formatHex(bytes(6));
        try (Connection c = connect(adminUrl()); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test database: " + e.getMessage(), e);
        }
        return withDatabase(adminUrl(), name);
    }

    /** Drops the database {@code url} names, ending any connection still open to it. */
    public static void drop(String url) {
        String name = databaseOf(url);
        try (Connection c = connect(adminUrl()); Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            System.err.println("could not drop test database " + name + ": " + e.getMessage());
        }
    }

    public static Connection connect(String url) throws SQLException {
        Connection c = new org.postgresql.Driver().connect(url, new Properties());
        if (c == null) {
            throw new SQLException("not a PostgreSQL URL: " + url);
        }
        return c;
    }

    /** {@code url} with its database replaced by {@code name}. */
    public static String withDatabase(String url, String name) {
        return new DbUrl(url).withDatabase(name).jdbcUrl();
    }

    /** {@code url} with its host and port replaced by {@code hostPort} (to go through a proxy). */
    public static String withHostPort(String url, String hostPort) {
        int hostStart = url.indexOf("//") + 2;
        int slash = url.indexOf('/', hostStart);
        return url.substring(0, hostStart) + hostPort + url.substring(slash);
    }

    static String databaseOf(String url) {
        return new DbUrl(url).database();
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
