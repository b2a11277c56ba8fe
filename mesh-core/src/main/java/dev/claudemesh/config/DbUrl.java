package dev.claudemesh.config;

import java.util.Locale;

/**
 * A PostgreSQL JDBC URL from MESH_DB_URL, and the only form of it that is ever shown: host, port and database,
 * never the query string (where a password may be) nor user information.
 */
public record DbUrl(String jdbcUrl) {
    public static final String PREFIX = "jdbc:postgresql:";

    public DbUrl {
        if (!jdbcUrl.toLowerCase(Locale.ROOT).startsWith(PREFIX)) {
            throw new ConfigException(MeshConfig.DB_URL + " must be a PostgreSQL JDBC URL such as "
                    + "jdbc:postgresql://db.example:5432/mesh?user=mesh, got '" + redact(jdbcUrl)
                    + "'; unset it to use the SQLite file (MESH_DB_PATH)");
        }
    }

    /** {@code postgresql://host:port/db}, safe to print and log. */
    public String display() {
        return redact(jdbcUrl);
    }

    @Override
    public String toString() {
        return display();
    }

    /** The database the URL names (the path after host and port, without the query). */
    public String database() {
        int slash = jdbcUrl.indexOf('/', jdbcUrl.indexOf("//") + 2);
        int q = jdbcUrl.indexOf('?', slash);
        return q >= 0 ? jdbcUrl.substring(slash + 1, q) : jdbcUrl.substring(slash + 1);
    }

    /** The same server, user and properties, naming database {@code name} instead. */
    public DbUrl withDatabase(String name) {
        int slash = jdbcUrl.indexOf('/', jdbcUrl.indexOf("//") + 2);
        int q = jdbcUrl.indexOf('?', slash);
        return new DbUrl(jdbcUrl.substring(0, slash + 1) + name + (q >= 0 ? jdbcUrl.substring(q) : ""));
    }

    /** Drops everything that may carry a secret: the query (password=...) and any user:password@ part. */
    static String redact(String url) {
        String s = url.strip();
        int q = s.indexOf('?');
        if (q >= 0) {
            s = s.substring(0, q);
        }
        if (s.regionMatches(true, 0, "jdbc:", 0, 5)) {
            s = s.substring(5);
        }
        int scheme = s.indexOf("//");
        if (scheme >= 0) {
            int at = s.indexOf('@', scheme);
            int slash = s.indexOf('/', scheme + 2);
            if (at >= 0 && (slash < 0 || at < slash)) {
                s = s.substring(0, scheme + 2) + s.substring(at + 1);
            }
        }
        return s;
    }
}
