package dev.claudemesh.store;

import dev.claudemesh.config.DbUrl;
import dev.claudemesh.mesh.StoreException;
import dev.claudemesh.mesh.StoreUnavailableException;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.util.PSQLException;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The mesh on a PostgreSQL database shared by sessions on several machines.
 *
 * <p>Writers are serialised by one transaction-scoped advisory lock, as SQLite's {@code BEGIN IMMEDIATE}
 * serialises them on a file: the store's multi-statement steps (take an inbox, claim a name) stay exactly as
 * atomic as on SQLite, and a mesh of a few dozen sessions never notices the queue. Every write transaction
 * sends {@code NOTIFY claude_mesh} as it commits; a listening connection per process turns those into wake-ups,
 * so a waiting {@code ask_peer} sees a reply as soon as it commits, with no query run while nothing happens.
 *
 * <p>A lost connection is dropped and made again on the next call. A call that finds the database gone fails
 * with {@link StoreUnavailableException} and changes nothing; the listener reconnects in the background and,
 * once back, wakes every waiter, since notifications sent meanwhile are lost.
 */
public final class PostgresStore extends JdbcStore {
    /** The notification channel every write transaction signals on. */
    static final String CHANNEL = "claude_mesh";
    /** How long the LISTEN connection may stay silent before it is asked something (see listen()). */
    static final long PROBE_AFTER_MS = 10_000;
    /** The advisory lock that serialises writers: the bytes of "cl-mesh!". */
    public static final long WRITE_LOCK = 0x636c2d6d65736821L;

    private final DbUrl url;
    private final Properties properties;
    private Connection conn;

    private final AtomicLong changes = new AtomicLong();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final Object listenerStart = new Object();
    private Thread listener;
    private volatile Connection listening;
    private volatile boolean closed;

    private PostgresStore(DbUrl url, Properties properties, Connection conn) {
        this.url = url;
        this.properties = properties;
        this.conn = conn;
    }

    /**
     * Connects and brings the schema up to date (Flyway holds its own advisory lock while migrating, so
     * processes starting together are safe).
     *
     * @param waitSeconds how long a write may wait for another writer, and a connection attempt for the server
     */
    public static PostgresStore open(DbUrl url, int waitSeconds) {
        Properties props = defaults(waitSeconds);
        Connection c = null;
        try {
            c = connect(url, props);
            SchemaMigrations.ensureCurrentPostgres(c, url);
            return new PostgresStore(url, props, c);
        } catch (SQLException e) {
            closeQuietly(c);
            throw translate(url, e);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** The schema version of the mesh at {@code url}, read without migrating or writing (for doctor). */
    public static java.util.Optional<String> peekSchemaVersion(DbUrl url) {
        try (Connection c = connect(url, defaults(5))) {
            return java.util.Optional.ofNullable(SchemaMigrations.currentVersionPostgres(c));
        } catch (SQLException e) {
            throw translate(url, e);
        }
    }

    /**
     * Driver settings the URL may override: give up connecting after a few seconds instead of hanging a tool
     * call, notice a dead peer socket, and name the program and its pid in pg_stat_activity. A statement that never
     * returns (the network vanished mid-call) is cut off by the socket timeout.
     */
    private static Properties defaults(int waitSeconds) {
        Properties p = new Properties();
        p.setProperty("connectTimeout", String.valueOf(Math.max(1, Math.min(waitSeconds, 10))));
        p.setProperty("socketTimeout", String.valueOf(Math.max(30, waitSeconds * 3)));
        p.setProperty("tcpKeepAlive", "true");
        // With the pid, pg_stat_activity says which process on which machine holds each connection.
        p.setProperty("ApplicationName", "claude-mesh pid " + ProcessHandle.current().pid());
        p.setProperty("lockTimeoutSeconds", String.valueOf(waitSeconds)); // ours, read below
        return p;
    }

    private static Connection connect(DbUrl url, Properties defaults) throws SQLException {
        Properties p = new Properties();
        p.putAll(defaults);
        String lockTimeout = (String) p.remove("lockTimeoutSeconds");
        // The driver itself, not DriverManager: no scan of every driver on the class path.
        Connection c = new org.postgresql.Driver().connect(url.jdbcUrl(), p);
        if (c == null) {
            throw new SQLException("the PostgreSQL driver does not accept " + url.display(), "08001");
        }
        try (Statement s = c.createStatement()) {
            // A writer waits this long for another's lock, then reports; and a transaction left open by a
            // client that vanished (a laptop closed mid-call) is ended by the server, freeing the lock.
            s.execute("SET lock_timeout = '" + lockTimeout + "s'");
            s.execute("SET idle_in_transaction_session_timeout = '15s'");
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
        return c;
    }

    /** Whether {@code e} means the connection (or the server behind it) is gone, not that the call was wrong. */
    static boolean connectionLost(SQLException e) {
        String state = e.getSQLState();
        if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03") || state.equals("53300"))) {
            return true;
        }
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            if (t instanceof IOException) { // a reset, a closed stream, a socket timeout: all I/O failures
                return true;
            }
        }
        return false;
    }

    static StoreException translate(DbUrl url, SQLException e) {
        String where = "the mesh database " + url.display();
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        String detail = e instanceof PSQLException p && p.getServerErrorMessage() != null
                ? p.getServerErrorMessage().getMessage() : e.getMessage();
        if (connectionLost(e)) {
            return new StoreUnavailableException("cannot reach " + where + " (" + detail
                    + "); nothing was changed, and calls work again once it is reachable", e);
        }
        String what = switch (state) {
            case "28P01", "28000" -> "refused the login (" + detail + "); check the user and password given in "
                    + "MESH_DB_URL, its driver properties or ~/.pgpass";
            case "3D000" -> "does not exist (" + detail + "); create it (createdb) or point MESH_DB_URL at one that does";
            case "42501" -> "refused an operation (" + detail + "); the mesh's user needs CREATE on the database "
                    + "for the first start and read/write on the mesh tables after that";
            case "55P03" -> "stayed locked by another writer past the lock timeout; try again";
            default -> "failed: " + detail;
        };
        return new StoreException(where + " " + what, e);
    }

    // ---------------------------------------------------------------- the backend's part of JdbcStore

    @Override
    protected Connection connection() throws SQLException {
        if (closed) {
            throw new SQLException("the mesh store is closed", "08003");
        }
        if (conn == null) {
            conn = connect(url, properties);
        }
        return conn;
    }

    @Override
    protected void begin(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
            s.execute("SELECT pg_advisory_xact_lock(" + WRITE_LOCK + ")");
        }
    }

    @Override
    protected void commit(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("NOTIFY " + CHANNEL);
        }
        c.commit();
        c.setAutoCommit(true);
    }

    @Override
    protected void rollback(Connection c) {
        try {
            if (!c.isClosed() && !c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
        } catch (SQLException ignored) {
            // the connection is broken; failed() drops it
        }
    }

    @Override
    protected void failed(SQLException e) {
        if (connectionLost(e)) {
            closeQuietly(conn);
            conn = null;
        }
    }

    @Override
    protected StoreException translate(SQLException e) {
        return translate(url, e);
    }

    /**
     * A connection found dead before any work began (the server restarted since the last call) is made again
     * once, at once. A failure part-way through a write is not retried here: the commit may have happened.
     */
    @Override
    protected boolean retryable(SQLException e, boolean beforeWork, long waitedNanos, int attempt) {
        if (connectionLost(e)) {
            return beforeWork && attempt < 2;
        }
        String state = e.getSQLState();
        return attempt < 5 && ("40001".equals(state) || "40P01".equals(state));
    }

    @Override
    protected String joinRecipients() {
        return "string_agg(recipient, ',' ORDER BY seq)";
    }

    // ---------------------------------------------------------------- change detection: LISTEN/NOTIFY

    @Override
    public boolean pushesChanges() {
        return true;
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
        startListening();
    }

    /** Counts notifications (and reconnections, after which anything may have changed); reading it costs nothing. */
    @Override
    public long changeCounter() {
        startListening();
        return changes.get();
    }

    /**
     * Starts the listening thread once and waits briefly for its LISTEN to be in place, so a caller that reads
     * the counter and then the state it waits on cannot miss a commit in between.
     */
    private void startListening() {
        synchronized (listenerStart) {
            if (listener != null || closed) {
                return;
            }
            listener = new Thread(this::listen, "mesh-pg-listen");
            listener.setDaemon(true);
            listener.start();
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (listening == null && System.nanoTime() < deadline) {
                try {
                    listenerStart.wait(50);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void listen() {
        long backoffMs = 100;
        while (!closed) {
            try (Connection c = connect(url, properties); Statement s = c.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
                PGConnection pg = c.unwrap(PGConnection.class);
                synchronized (listenerStart) {
                    listening = c;
                    listenerStart.notifyAll();
                }
                backoffMs = 100;
                changed(); // notifications sent while nobody listened are lost: everyone looks again
                // Waiting for notifications sends nothing, so a network that died without a reset (a route
                // gone, a NAT that forgot us, a laptop lid) would look like a quiet mesh until TCP keepalive,
                // hours later. After a quiet spell the connection is asked something; the driver's socket
                // timeout then turns a dead network into an error, and the loop connects again.
                int networkMs = c.getNetworkTimeout();
                long probeAfterNs = TimeUnit.MILLISECONDS.toNanos(networkMs > 0
                        ? Math.max(500, Math.min(PROBE_AFTER_MS, networkMs / 3)) : PROBE_AFTER_MS);
                long heardAt = System.nanoTime();
                while (!closed) {
                    PGNotification[] got = pg.getNotifications(2_000);
                    if (got != null && got.length > 0) {
                        changed();
                        heardAt = System.nanoTime();
                    } else if (System.nanoTime() - heardAt >= probeAfterNs) {
                        s.execute("SELECT 1");
                        heardAt = System.nanoTime();
                    }
                }
            } catch (SQLException e) {
                if (closed) {
                    return;
                }
                synchronized (listenerStart) {
                    listening = null;
                    listenerStart.notifyAll();
                }
                try {
                    Thread.sleep(backoffMs);
                } catch (InterruptedException ie) {
                    return;
                }
                backoffMs = Math.min(backoffMs * 2, 2_000);
            }
        }
    }

    private void changed() {
        changes.incrementAndGet();
        for (Runnable r : listeners) {
            r.run();
        }
    }

    @Override
    public String schemaVersion() {
        return read(SchemaMigrations::currentVersionPostgres);
    }

    @Override
    public String where() {
        return url.display();
    }

    @Override
    public void close() {
        closed = true;
        lock.lock();
        try {
            closeQuietly(conn);
            conn = null;
        } finally {
            lock.unlock();
        }
        Connection l = listening;
        if (l != null) {
            closeQuietly(l);
        }
    }
}
