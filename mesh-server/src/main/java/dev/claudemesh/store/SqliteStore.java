package dev.claudemesh.store;

import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.MeshEvent;
import dev.claudemesh.mesh.Outgoing;
import dev.claudemesh.mesh.Task;
import dev.claudemesh.mesh.TaskStatus;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerState;
import dev.claudemesh.mesh.ProcessRef;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.QuestionStatus;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;

/**
 * The mesh on one SQLite file shared by every process on the machine.
 *
 * <p>WAL mode lets readers run beside the one writer; every write transaction starts with
 * {@code BEGIN IMMEDIATE} so it takes the write lock up front and waits (busy timeout) instead of failing
 * half way with SQLITE_BUSY when it upgrades from reading. Within a process one connection serves all
 * threads under a lock: SQLite serialises writers anyway, and the waits are microseconds.
 */
public final class SqliteStore implements MeshStore {
    /** How long a server waits for another process's write lock before reporting the database as locked. */
    public static final int BUSY_TIMEOUT_MS = 10_000;
    /** Hooks wait less: all SessionEnd hooks together get 1.5 s, and a hook must report, not be killed. */
    public static final int HOOK_BUSY_TIMEOUT_MS = 1_000;

    private final Connection conn;
    private final ReentrantLock lock = new ReentrantLock();
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
            c = connect(url, busyTimeoutMs);
            SchemaMigrations.ensureCurrent(c, db, url, busyTimeoutMs);
            return new SqliteStore(db, c, busyTimeoutMs);
        } catch (SQLException e) {
            closeQuietly(c);
            throw translate(db, e, busyTimeoutMs);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /** The schema version this code migrates to. */
    public static String latestSchemaVersion() {
        return SchemaMigrations.LATEST;
    }

    /**
     * The schema version of an existing database file, read without creating, migrating or writing anything
     * (for doctor); empty when the file has no schema yet. Refused with a StoreException when the file is not
     * a usable SQLite database.
     */
    public static Optional<String> peekSchemaVersion(Path db) {
        if (!Files.isRegularFile(db)) {
            throw new StoreException("the mesh database " + db + " does not exist");
        }
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setReadOnly(true);
        cfg.setBusyTimeout(BUSY_TIMEOUT_MS);
        try (Connection c = cfg.createConnection("jdbc:sqlite:" + db)) {
            return Optional.ofNullable(SchemaMigrations.currentVersion(c));
        } catch (SQLException e) {
            throw translate(db, e, BUSY_TIMEOUT_MS);
        }
    }

    private static Connection connect(String url, int busyTimeoutMs) throws SQLException {
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setBusyTimeout(busyTimeoutMs);
        Connection c = cfg.createConnection(url);
        try (Statement s = c.createStatement()) {
            // Order matters: the busy timeout must be in force before journal_mode, which needs a lock.
            s.execute("PRAGMA busy_timeout = " + busyTimeoutMs);
            try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
                rs.next();
            }
            // NORMAL in WAL mode: a commit survives any process crash (kill -9); only an OS crash or power
            // cut can lose the last commits. FULL would fsync on every message for little gain here.
            s.execute("PRAGMA synchronous = NORMAL");
        } catch (SQLException e) {
            closeQuietly(c);
            throw e;
        }
        return c;
    }

    /** Says what is wrong with the file in words a user can act on. */
    private StoreException translate(Path db, SQLException e) {
        return translate(db, e, busyTimeoutMs);
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

    // ---------------------------------------------------------------- transactions

    @FunctionalInterface
    private interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private <T> T read(Work<T> work) {
        lock.lock();
        try {
            return work.run(conn);
        } catch (SQLException e) {
            throw translate(path, e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code work} in a write transaction. The busy timeout already waits for other writers; a
     * transaction that still meets SQLITE_BUSY (a checkpoint or a lock upgrade racing ours) is rolled back
     * and run again, so a busy database is a short delay for the caller, never an error.
     */
    private <T> T write(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            try {
                return writeOnce(work);
            } catch (StoreException e) {
                // Only a busy error that came at once is retried; one that waited out the whole busy timeout
                // means another program holds the lock, and the caller should hear so.
                boolean immediate = System.nanoTime() - started < busyTimeoutMs * 500_000L;
                if (attempt >= 5 || !immediate || !isBusy(e.getCause())) {
                    throw e;
                }
                try {
                    Thread.sleep(5L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static boolean isBusy(Throwable t) {
        if (t instanceof SQLiteException se) {
            int code = se.getResultCode().code & 0xff;
            return code == SQLiteErrorCode.SQLITE_BUSY.code || code == SQLiteErrorCode.SQLITE_LOCKED.code;
        }
        return false;
    }

    private <T> T writeOnce(Work<T> work) {
        lock.lock();
        try (Statement s = conn.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            boolean done = false;
            try {
                T result = work.run(conn);
                s.execute("COMMIT");
                done = true;
                return result;
            } finally {
                if (!done) {
                    try {
                        s.execute("ROLLBACK");
                    } catch (SQLException ignored) {
                        // the original failure is the one worth reporting
                    }
                }
            }
        } catch (SQLException e) {
            throw translate(path, e);
        } finally {
            lock.unlock();
        }
    }

    // ---------------------------------------------------------------- peers

    private static final String PEER_COLUMNS = "name, project_path, git_root, host, summary, state, session_id, "
            + "server_pid, server_start, claude_pid, claude_start, registered_at, last_seen, hook_ancestors";

    @Override
    public Peer claimName(List<String> candidates, PeerClaim claim, Predicate<Peer> held) {
        return write(c -> {
            for (String name : candidates) {
                Optional<Peer> current = peerIn(c, name);
                if (current.isPresent() && held.test(current.get())) {
                    continue;
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO peers (name_key, name, project_path, git_root, host, summary, state, session_id, "
                                + "server_pid, server_start, claude_pid, claude_start, registered_at, last_seen, hook_ancestors) "
                                + "VALUES (?, ?, ?, ?, ?, coalesce(?, ''), 'active', ?, ?, ?, ?, ?, ?, ?, ?) "
                                + "ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, "
                                + "project_path = excluded.project_path, git_root = excluded.git_root, host = excluded.host, "
                                + "summary = CASE WHEN ? IS NULL THEN peers.summary ELSE excluded.summary END, "
                                + "state = 'active', "
                                + "session_id = coalesce(excluded.session_id, peers.session_id), "
                                + "server_pid = CASE WHEN ? THEN excluded.server_pid ELSE coalesce(excluded.server_pid, peers.server_pid) END, "
                                + "server_start = CASE WHEN ? THEN excluded.server_start ELSE coalesce(excluded.server_start, peers.server_start) END, "
                                + "claude_pid = CASE WHEN ? THEN excluded.claude_pid ELSE coalesce(excluded.claude_pid, peers.claude_pid) END, "
                                + "claude_start = CASE WHEN ? THEN excluded.claude_start ELSE coalesce(excluded.claude_start, peers.claude_start) END, "
                                + "hook_ancestors = CASE WHEN ? THEN excluded.hook_ancestors ELSE coalesce(excluded.hook_ancestors, peers.hook_ancestors) END, "
                                + "registered_at = CASE WHEN peers.state = 'offline' THEN excluded.registered_at ELSE peers.registered_at END, "
                                + "last_seen = excluded.last_seen")) {
                    long now = claim.now().toEpochMilli();
                    int i = 1;
                    ps.setString(i++, key(name));
                    ps.setString(i++, name);
                    ps.setString(i++, claim.projectPath());
                    ps.setString(i++, claim.gitRoot());
                    ps.setString(i++, claim.host());
                    ps.setString(i++, claim.summary());
                    ps.setString(i++, claim.sessionId());
                    setProcess(ps, i, claim.server());
                    i += 2;
                    setProcess(ps, i, claim.claude());
                    i += 2;
                    ps.setLong(i++, now);
                    ps.setLong(i++, now);
                    ps.setString(i++, claim.hookAncestors());
                    ps.setString(i++, claim.summary());
                    for (int k = 0; k < 5; k++) {
                        ps.setBoolean(i++, claim.newSession());
                    }
                    ps.executeUpdate();
                }
                // A session that kept its name keeps its session id only if this claim did not bring one.
                return peerIn(c, name).orElseThrow();
            }
            throw new StoreException("no free name among " + candidates);
        });
    }

    private static void setProcess(PreparedStatement ps, int i, ProcessRef p) throws SQLException {
        if (p == null) {
            ps.setNull(i, Types.INTEGER);
            ps.setNull(i + 1, Types.INTEGER);
        } else {
            ps.setLong(i, p.pid());
            ps.setLong(i + 1, p.startedAtMs());
        }
    }

    @Override
    public Optional<Peer> peer(String name) {
        return read(c -> peerIn(c, name));
    }

    private static Optional<Peer> peerIn(Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + PEER_COLUMNS + " FROM peers WHERE name_key = ?")) {
            ps.setString(1, key(name));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(peerFrom(rs)) : Optional.empty();
            }
        }
    }

    @Override
    public List<Peer> peers() {
        return read(c -> {
            List<Peer> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + PEER_COLUMNS + " FROM peers ORDER BY name_key");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(peerFrom(rs));
                }
            }
            return out;
        });
    }

    private static Peer peerFrom(ResultSet rs) throws SQLException {
        return new Peer(rs.getString("name"), rs.getString("project_path"), rs.getString("git_root"),
                rs.getString("host"), rs.getString("summary"),
                PeerState.valueOf(rs.getString("state").toUpperCase(Locale.ROOT)),
                Optional.ofNullable(rs.getString("session_id")),
                process(rs, "server_pid", "server_start"), process(rs, "claude_pid", "claude_start"),
                Instant.ofEpochMilli(rs.getLong("registered_at")), Instant.ofEpochMilli(rs.getLong("last_seen")),
                Peer.decode(rs.getString("hook_ancestors")));
    }

    private static Optional<ProcessRef> process(ResultSet rs, String pidCol, String startCol) throws SQLException {
        long pid = rs.getLong(pidCol);
        if (rs.wasNull()) {
            return Optional.empty();
        }
        return Optional.of(new ProcessRef(pid, rs.getLong(startCol)));
    }

    @Override
    public void touch(String name, Instant now) {
        update("UPDATE peers SET last_seen = ? WHERE name_key = ?", now.toEpochMilli(), key(name));
    }

    @Override
    public void setSummary(String name, String summary, Instant now) {
        update("UPDATE peers SET summary = ?, last_seen = ? WHERE name_key = ?", summary, now.toEpochMilli(), key(name));
    }

    @Override
    public void recordSession(String name, String sessionId, Instant now) {
        update("UPDATE peers SET session_id = ?, state = 'active', last_seen = ? WHERE name_key = ?",
                sessionId, now.toEpochMilli(), key(name));
    }

    @Override
    public void recordSessionStart(String name, String sessionId, String hookAncestors, Instant now) {
        update("UPDATE peers SET session_id = ?, hook_ancestors = ?, state = 'active', last_seen = ? WHERE name_key = ?",
                sessionId, hookAncestors, now.toEpochMilli(), key(name));
    }

    @Override
    public boolean endSession(String name, String sessionId, Instant now) {
        return update("UPDATE peers SET state = 'offline', last_seen = ? WHERE name_key = ? AND session_id = ?",
                now.toEpochMilli(), key(name), sessionId) > 0;
    }

    @Override
    public boolean releaseServer(String name, long serverPid, Instant now) {
        return update("UPDATE peers SET state = 'offline', last_seen = ? WHERE name_key = ? AND server_pid = ?",
                now.toEpochMilli(), key(name), serverPid) > 0;
    }

    private int update(String sql, Object... args) {
        return write(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                bind(ps, args);
                return ps.executeUpdate();
            }
        });
    }

    private static void bind(PreparedStatement ps, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a instanceof Long l) {
                ps.setLong(i + 1, l);
            } else if (a == null) {
                ps.setNull(i + 1, Types.VARCHAR);
            } else {
                ps.setString(i + 1, a.toString());
            }
        }
    }

    // ---------------------------------------------------------------- questions and inbox

    private static final String QUESTION_COLUMNS =
            "id, asker, asker_pid, asker_start, target, body, status, asked_at, expires_at, answer, answered_at, named_at";

    @Override
    public void addQuestion(Question q) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO questions (id, asker, asker_key, target, target_key, "
                    + "asker_pid, asker_start, body, status, asked_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)")) {
                ProcessRef p = q.askerProcess().orElse(null);
                bind(ps, q.id(), q.asker(), key(q.asker()), q.target(), key(q.target()),
                        p == null ? null : p.pid(), p == null ? null : p.startedAtMs(), q.body(),
                        q.askedAt().toEpochMilli(), q.expiresAt().toEpochMilli());
                ps.executeUpdate();
            }
            deliverIn(c, new Outgoing(q.id(), InboxItem.QUESTION, q.asker(), q.body(), null, null, null, q.askedAt()),
                    List.of(q.target()));
            return null;
        });
    }

    @Override
    public Optional<Question> question(String id) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + QUESTION_COLUMNS + " FROM questions WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(questionFrom(rs)) : Optional.empty();
                }
            }
        });
    }

    @Override
    public List<Question> pendingQuestionsFor(String target) {
        return questions("SELECT " + QUESTION_COLUMNS + " FROM questions WHERE target_key = ? AND status = 'pending' "
                + "ORDER BY asked_at, id", key(target));
    }

    @Override
    public List<Question> pendingQuestionsFrom(String asker) {
        return questions("SELECT " + QUESTION_COLUMNS + " FROM questions WHERE asker_key = ? AND status = 'pending' "
                + "ORDER BY asked_at, id", key(asker));
    }

    private List<Question> questions(String sql, String arg) {
        return read(c -> {
            List<Question> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, arg);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(questionFrom(rs));
                    }
                }
            }
            return out;
        });
    }

    private static Question questionFrom(ResultSet rs) throws SQLException {
        return new Question(rs.getString("id"), rs.getString("asker"), process(rs, "asker_pid", "asker_start"),
                rs.getString("target"), rs.getString("body"),
                QuestionStatus.fromWire(rs.getString("status")), Instant.ofEpochMilli(rs.getLong("asked_at")),
                Instant.ofEpochMilli(rs.getLong("expires_at")), Optional.ofNullable(rs.getString("answer")),
                instant(rs, "answered_at"), instant(rs, "named_at"));
    }

    private static Optional<Instant> instant(ResultSet rs, String col) throws SQLException {
        long v = rs.getLong(col);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
    }

    @Override
    public boolean answer(String id, String target, String answer, Instant now) {
        return write(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("UPDATE questions SET status = 'answered', answer = ?, "
                    + "answered_at = ? WHERE id = ? AND target_key = ? AND status = 'pending'")) {
                bind(ps, answer, now.toEpochMilli(), id, key(target));
                n = ps.executeUpdate();
            }
            if (n > 0) {
                // Answering proves the question reached its target, whichever way it was read.
                markDeliveredIn(c, key(target), List.of(id), now);
            }
            return n > 0;
        });
    }

    @Override
    public boolean close(String id, QuestionStatus status, Instant now) {
        return update("UPDATE questions SET status = ? WHERE id = ? AND status = 'pending'", status.wire(), id) > 0;
    }

    @Override
    public void markNamed(Collection<String> ids, Instant now) {
        stampEach("UPDATE questions SET named_at = ? WHERE id = ?", ids, now);
    }

    /** Runs {@code sql} (time, then id) for each id, in one transaction. */
    private void stampEach(String sql, Collection<String> ids, Instant now) {
        if (ids.isEmpty()) {
            return;
        }
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (String id : ids) {
                    bind(ps, now.toEpochMilli(), id);
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public List<InboxItem> takeInbox(String recipient, int maxChars, Instant now) {
        // The common case, nothing waiting, is answered by a read: no write lock, so an idle poll never
        // queues behind writers or adds to the WAL.
        if (waitingCount(recipient) == 0) {
            return List.of();
        }
        return write(c -> {
            List<InboxItem> items = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT id, kind, sender, body, created_at, topic, task_id, "
                    + "task_status FROM inbox WHERE recipient = ? AND delivered_at IS NULL ORDER BY seq")) {
                ps.setString(1, key(recipient));
                try (ResultSet rs = ps.executeQuery()) {
                    long total = 0;
                    while (rs.next()) {
                        String body = rs.getString(4);
                        total += body.length();
                        if (!items.isEmpty() && total > maxChars) {
                            break;
                        }
                        items.add(new InboxItem(rs.getString(1), rs.getString(2), rs.getString(3), body,
                                Instant.ofEpochMilli(rs.getLong(5)), Optional.ofNullable(rs.getString(6)),
                                Optional.ofNullable(rs.getString(7)), Optional.ofNullable(rs.getString(8))));
                    }
                }
            }
            markDeliveredIn(c, key(recipient), items.stream().map(InboxItem::id).toList(), now);
            return items;
        });
    }

    @Override
    public void undeliver(String recipient, Collection<String> ids) {
        if (ids.isEmpty()) {
            return;
        }
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE inbox SET delivered_at = NULL WHERE id = ? AND recipient = ?")) {
                for (String id : ids) {
                    bind(ps, id, key(recipient));
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
    }

    @Override
    public int waitingCount(String recipient) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT count(*) FROM inbox WHERE recipient = ? AND delivered_at IS NULL")) {
                ps.setString(1, key(recipient));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    @Override
    public void markDelivered(String recipient, Collection<String> ids, Instant now) {
        if (!ids.isEmpty()) {
            write(c -> {
                markDeliveredIn(c, key(recipient), ids, now);
                return null;
            });
        }
    }

    private static void markDeliveredIn(Connection c, String recipientKey, Collection<String> ids, Instant now) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "UPDATE inbox SET delivered_at = ? WHERE id = ? AND recipient = ? AND delivered_at IS NULL")) {
            for (String id : ids) {
                bind(ps, now.toEpochMilli(), id, recipientKey);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }


    // ---------------------------------------------------------------- messages, topics, tasks

    @Override
    public void deliver(Outgoing item, Collection<String> recipients) {
        if (!recipients.isEmpty()) {
            write(c -> {
                deliverIn(c, item, recipients);
                return null;
            });
        }
    }

    private static void deliverIn(Connection c, Outgoing item, Collection<String> recipients) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO inbox (id, kind, sender, recipient, body, created_at, "
                + "topic, task_id, task_status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (String r : recipients) {
                bind(ps, item.id(), item.kind(), item.sender(), key(r), item.body(), item.createdAt().toEpochMilli(),
                        item.topic(), item.taskId(), item.taskStatus());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public List<String> subscribe(String name, String topic, Instant now) {
        return write(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO subscriptions (peer_key, topic, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")) {
                bind(ps, key(name), topic, now.toEpochMilli());
                ps.executeUpdate();
            }
            return topicsIn(c, name);
        });
    }

    @Override
    public List<String> unsubscribe(String name, String topic) {
        return write(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM subscriptions WHERE peer_key = ? AND topic = ?")) {
                bind(ps, key(name), topic);
                ps.executeUpdate();
            }
            return topicsIn(c, name);
        });
    }

    @Override
    public List<String> topics(String name) {
        return read(c -> topicsIn(c, name));
    }

    private static List<String> topicsIn(Connection c, String name) throws SQLException {
        return strings(c, "SELECT topic FROM subscriptions WHERE peer_key = ? ORDER BY topic", key(name));
    }

    @Override
    public List<String> subscribers(String topic) {
        return read(c -> strings(c, "SELECT peer_key FROM subscriptions WHERE topic = ? ORDER BY peer_key", topic));
    }

    private static List<String> strings(Connection c, String sql, String arg) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static final String TASK_COLUMNS = "id, delegator, assignee, description, context, status, result, "
            + "created_at, completed_at, named_at";

    @Override
    public void addTask(Task t, Outgoing item) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO tasks (id, delegator, delegator_key, assignee, "
                    + "assignee_key, description, context, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?)")) {
                bind(ps, t.id(), t.delegator(), key(t.delegator()), t.assignee(), key(t.assignee()), t.description(),
                        t.context().orElse(null), t.createdAt().toEpochMilli());
                ps.executeUpdate();
            }
            deliverIn(c, item, List.of(t.assignee()));
            return null;
        });
    }

    @Override
    public Optional<Task> task(String id) {
        List<Task> found = tasks("SELECT " + TASK_COLUMNS + " FROM tasks WHERE id = ?", id);
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    @Override
    public boolean completeTask(String id, String assignee, TaskStatus status, String result, Outgoing resultItem) {
        return write(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("UPDATE tasks SET status = ?, result = ?, completed_at = ? "
                    + "WHERE id = ? AND assignee_key = ? AND status = 'pending'")) {
                bind(ps, status.wire(), result, resultItem.createdAt().toEpochMilli(), id, key(assignee));
                n = ps.executeUpdate();
            }
            if (n == 0) {
                return false;
            }
            String delegator;
            try (PreparedStatement ps = c.prepareStatement("SELECT delegator FROM tasks WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    delegator = rs.getString(1);
                }
            }
            // The assignee obviously saw its task; and its delegator hears the outcome.
            markDeliveredIn(c, key(assignee), List.of(id), resultItem.createdAt());
            deliverIn(c, resultItem, List.of(delegator));
            return true;
        });
    }

    @Override
    public List<Task> tasksDelegatedBy(String name) {
        return tasks("SELECT " + TASK_COLUMNS + " FROM tasks WHERE delegator_key = ? ORDER BY created_at, id", key(name));
    }

    @Override
    public List<Task> tasksAssignedTo(String name) {
        return tasks("SELECT " + TASK_COLUMNS + " FROM tasks WHERE assignee_key = ? ORDER BY created_at, id", key(name));
    }

    private List<Task> tasks(String sql, String arg) {
        return read(c -> {
            List<Task> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, arg);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new Task(rs.getString("id"), rs.getString("delegator"), rs.getString("assignee"),
                                rs.getString("description"), Optional.ofNullable(rs.getString("context")),
                                TaskStatus.fromWire(rs.getString("status")), Optional.ofNullable(rs.getString("result")),
                                Instant.ofEpochMilli(rs.getLong("created_at")), instant(rs, "completed_at"),
                                instant(rs, "named_at")));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public void markTasksNamed(Collection<String> ids, Instant now) {
        stampEach("UPDATE tasks SET named_at = ? WHERE id = ?", ids, now);
    }

    // ---------------------------------------------------------------- history and housekeeping

    @Override
    public List<MeshEvent> itemsAfter(long afterSeq, int limit) {
        return read(c -> {
            List<MeshEvent> out = new ArrayList<>();
            // One line per item: a broadcast's recipients are folded into its first row.
            try (PreparedStatement ps = c.prepareStatement("SELECT max(seq), min(created_at), kind, sender, "
                    + "group_concat(recipient, ','), id, body, topic FROM inbox WHERE seq > ? "
                    + "GROUP BY id, kind ORDER BY min(seq) LIMIT ?")) {
                ps.setLong(1, afterSeq);
                ps.setInt(2, limit);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        String topic = rs.getString(8);
                        String to = topic != null ? "#" + topic : rs.getString(5);
                        out.add(new MeshEvent(rs.getLong(1), Instant.ofEpochMilli(rs.getLong(2)), rs.getString(3),
                                rs.getString(4), to, rs.getString(6), rs.getString(7)));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public List<MeshEvent> answersSince(Instant since) {
        return read(c -> {
            List<MeshEvent> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT answered_at, target, asker, id, answer FROM questions "
                    + "WHERE answered_at >= ? ORDER BY answered_at, id")) {
                ps.setLong(1, since.toEpochMilli());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.add(new MeshEvent(0, Instant.ofEpochMilli(rs.getLong(1)), "reply", rs.getString(2),
                                rs.getString(3), rs.getString(4), rs.getString(5)));
                    }
                }
            }
            return out;
        });
    }

    @Override
    public long lastSeq() {
        return read(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT coalesce(max(seq), 0) FROM inbox")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    @Override
    public List<Question> pendingQuestions() {
        return read(c -> {
            List<Question> out = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT " + QUESTION_COLUMNS + " FROM questions WHERE status = 'pending'");
                 ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(questionFrom(rs));
                }
            }
            return out;
        });
    }

    @Override
    public boolean markOffline(String name, Instant now) {
        return update("UPDATE peers SET state = 'offline' WHERE name_key = ? AND state = 'active'", key(name)) > 0;
    }

    @Override
    public int pruneHistory(Instant before) {
        long t = before.toEpochMilli();
        return write(c -> {
            int n = exec(c, "DELETE FROM inbox WHERE delivered_at IS NOT NULL AND delivered_at < ?", t);
            n += exec(c, "DELETE FROM questions WHERE status <> 'pending' AND coalesce(answered_at, expires_at) < ? "
                    + "AND id NOT IN (SELECT id FROM inbox)", t);
            n += exec(c, "DELETE FROM tasks WHERE status <> 'pending' AND completed_at < ? "
                    + "AND id NOT IN (SELECT id FROM inbox)", t);
            return n;
        });
    }

    @Override
    public int deleteOfflinePeers(Instant before) {
        return write(c -> exec(c, "DELETE FROM peers WHERE state = 'offline' AND last_seen < ? "
                + "AND name_key NOT IN (SELECT recipient FROM inbox WHERE delivered_at IS NULL)", before.toEpochMilli()));
    }

    private static int exec(Connection c, String sql, long arg) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, arg);
            return ps.executeUpdate();
        }
    }

    @Override
    public Map<String, Integer> waitingByRecipient() {
        return read(c -> {
            Map<String, Integer> out = new LinkedHashMap<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT recipient, count(*) FROM inbox WHERE delivered_at IS NULL GROUP BY recipient ORDER BY recipient")) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
            return out;
        });
    }

    // ---------------------------------------------------------------- change detection and housekeeping

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
            throw translate(path, e);
        } finally {
            lock.unlock();
        }
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

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing is best effort
            }
        }
    }

    private static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
