package dev.claudemesh.store;

import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.mesh.StoreException;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Lease;
import dev.claudemesh.mesh.MeshEvent;
import dev.claudemesh.mesh.Offer;
import dev.claudemesh.mesh.Receipt;
import dev.claudemesh.mesh.Outgoing;
import dev.claudemesh.mesh.Task;
import dev.claudemesh.mesh.TaskStatus;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerState;
import dev.claudemesh.mesh.ProcessRef;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.QuestionStatus;
import dev.claudemesh.mesh.SentItem;

import java.sql.Connection;
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

import static dev.claudemesh.identity.PeerNames.key;

/**
 * The mesh's SQL, shared by both backends: every statement here runs unchanged on SQLite and PostgreSQL.
 * A backend supplies the connection, how a write transaction starts and ends (it must serialise writers,
 * as SQLite's {@code BEGIN IMMEDIATE} does), which failures are worth a second attempt, and how a failure
 * is put into words.
 *
 * <p>Within a process one connection serves every thread under a lock; the statements are short.
 */
public abstract class JdbcStore implements MeshStore {
    /** Held around every use of the connection. */
    protected final ReentrantLock lock = new ReentrantLock();

    /** The open connection, (re)connecting when there is none; called with {@link #lock} held. */
    protected abstract Connection connection() throws SQLException;

    /** Starts a write transaction that no other writer on the mesh can interleave with. */
    protected abstract void begin(Connection c) throws SQLException;

    protected abstract void commit(Connection c) throws SQLException;

    /** Undoes a failed write transaction; best effort. */
    protected abstract void rollback(Connection c);

    /** A failure in words a user can act on. */
    protected abstract StoreException translate(SQLException e);

    /**
     * Whether a failed attempt may simply be run again.
     *
     * @param beforeWork  the failure came while starting the transaction, before any statement of the work
     * @param waitedNanos how long the attempt took
     * @param attempt     1 for the first attempt
     */
    protected abstract boolean retryable(SQLException e, boolean beforeWork, long waitedNanos, int attempt);

    /** Tells the backend that {@code e} happened on its connection (a backend drops a broken connection here). */
    protected void failed(SQLException e) {
    }

    /** SQL aggregating the {@code recipient} column of a group into one comma-separated string. */
    protected abstract String joinRecipients();

    // ---------------------------------------------------------------- transactions

    @FunctionalInterface
    protected interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    /** One result row made into a value. */
    @FunctionalInterface
    private interface Row<T> {
        T from(ResultSet rs) throws SQLException;
    }

    /** Every row {@code sql} returns with {@code args} bound, in order. */
    private static <T> List<T> rows(Connection c, Row<T> row, String sql, Object... args) throws SQLException {
        List<T> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, args);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(row.from(rs));
                }
            }
        }
        return out;
    }

    protected <T> T read(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            lock.lock();
            try {
                return work.run(connection());
            } catch (SQLException e) {
                failed(e);
                // A read changes nothing, so it can always be tried again when the backend says so.
                if (!retryable(e, true, System.nanoTime() - started, attempt)) {
                    throw translate(e);
                }
            } finally {
                lock.unlock();
            }
            pause(attempt);
        }
    }

    /**
     * Runs {@code work} in one write transaction. A failure the backend calls retryable (a busy SQLite file
     * at once, a PostgreSQL connection found dead before the work began) rolls back and runs it again, so
     * it is a short delay for the caller, never an error; anything else is reported.
     */
    protected <T> T write(Work<T> work) {
        for (int attempt = 1; ; attempt++) {
            long started = System.nanoTime();
            boolean beforeWork = true;
            lock.lock();
            Connection c = null;
            try {
                c = connection();
                begin(c);
                beforeWork = false;
                T result = work.run(c);
                commit(c);
                return result;
            } catch (SQLException e) {
                if (c != null) {
                    rollback(c);
                }
                failed(e);
                if (!retryable(e, beforeWork, System.nanoTime() - started, attempt)) {
                    throw translate(e);
                }
            } catch (RuntimeException | Error e) {
                // Anything else (a bug, or running out of memory) must not leave the transaction open: it would
                // hold the mesh's write lock, and every other session's writes would wait on it.
                if (c != null) {
                    rollback(c);
                }
                throw e;
            } finally {
                lock.unlock();
            }
            pause(attempt);
        }
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(5L * attempt);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting to retry a mesh database call");
        }
    }

    protected static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing is best effort
            }
        }
    }

    // ---------------------------------------------------------------- peers

    private static final String PEER_COLUMNS = "name, project_path, git_root, host, summary, state, session_id, "
            + "server_pid, server_start, claude_pid, claude_start, registered_at, last_seen, transcript_path";

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
                                + "server_pid, server_start, claude_pid, claude_start, registered_at, last_seen) "
                                + "VALUES (?, ?, ?, ?, ?, coalesce(?, ''), 'active', ?, ?, ?, ?, ?, ?, ?) "
                                + "ON CONFLICT (name_key) DO UPDATE SET name = excluded.name, "
                                + "project_path = excluded.project_path, git_root = excluded.git_root, host = excluded.host, "
                                + "summary = CASE WHEN ? IS NULL THEN peers.summary ELSE excluded.summary END, "
                                + "state = 'active', "
                                + "session_id = coalesce(excluded.session_id, peers.session_id), "
                                + "server_pid = coalesce(excluded.server_pid, peers.server_pid), "
                                + "server_start = coalesce(excluded.server_start, peers.server_start), "
                                + "claude_pid = coalesce(excluded.claude_pid, peers.claude_pid), "
                                + "claude_start = coalesce(excluded.claude_start, peers.claude_start), "
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
                    ps.setString(i++, claim.summary());
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
            ps.setNull(i, Types.BIGINT);
            ps.setNull(i + 1, Types.BIGINT);
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
        return read(c -> rows(c, JdbcStore::peerFrom, "SELECT " + PEER_COLUMNS + " FROM peers ORDER BY name_key"));
    }

    private static Peer peerFrom(ResultSet rs) throws SQLException {
        return new Peer(rs.getString("name"), rs.getString("project_path"), rs.getString("git_root"),
                rs.getString("host"), rs.getString("summary"),
                PeerState.valueOf(rs.getString("state").toUpperCase(Locale.ROOT)),
                Optional.ofNullable(rs.getString("session_id")),
                process(rs, "server_pid", "server_start"), process(rs, "claude_pid", "claude_start"),
                Instant.ofEpochMilli(rs.getLong("registered_at")), Instant.ofEpochMilli(rs.getLong("last_seen")),
                Optional.ofNullable(rs.getString("transcript_path")));
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
            } else if (a instanceof Integer n) {
                ps.setInt(i + 1, n); // a LIMIT, say: PostgreSQL will not take it as text
            } else if (a == null) {
                ps.setNull(i + 1, Types.NULL);
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

    private List<Question> questions(String sql, Object... args) {
        return read(c -> rows(c, JdbcStore::questionFrom, sql, args));
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
    public List<String> pendingQuestionIds(String asker) {
        return read(c -> rows(c, rs -> rs.getString(1),
                "SELECT id FROM questions WHERE asker_key = ? AND status = 'pending'", key(asker)));
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
            if (n == 0) {
                return false;
            }
            // Answering proves the question reached its target, whichever way it was read.
            seenIn(c, key(target), List.of(id), "answered", now);
            String asker;
            String replier;
            try (PreparedStatement ps = c.prepareStatement("SELECT asker, target FROM questions WHERE id = ?")) {
                ps.setString(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    asker = rs.getString(1);
                    replier = rs.getString(2);
                }
            }
            // The asker hears the answer whether or not a call of its own is still waiting for it.
            deliverIn(c, new Outgoing(id, InboxItem.ANSWER, replier, answer, null, null, null, now), List.of(asker));
            return true;
        });
    }

    /** Answers a call of this process waits to return itself, with how many such calls wait (see holdAnswer). */
    private final Map<String, Integer> heldAnswers = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void holdAnswer(String id) {
        heldAnswers.merge(id, 1, Integer::sum);
    }

    @Override
    public void releaseAnswer(String id) {
        heldAnswers.computeIfPresent(id, (k, n) -> n > 1 ? n - 1 : null);
    }

    @Override
    public boolean closeQuestion(String id, QuestionStatus status, Instant now) {
        return write(c -> {
            int n;
            try (PreparedStatement ps = c.prepareStatement("UPDATE questions SET status = ? WHERE id = ? AND status = 'pending'")) {
                bind(ps, status.wire(), id);
                n = ps.executeUpdate();
            }
            if (n > 0) {
                withdrawIn(c, id, status.wire(), now);
                // The question's end is a change of its own, logged even when its row was already seen (and so not
                // withdrawn): the questions table keeps no time for it, and 'claude-mesh tail' shows it.
                String target = null;
                try (PreparedStatement ps = c.prepareStatement("SELECT target_key FROM questions WHERE id = ?")) {
                    ps.setString(1, id);
                    try (ResultSet rs = ps.executeQuery()) {
                        if (rs.next()) {
                            target = rs.getString(1);
                        }
                    }
                }
                if (target != null) {
                    logReceipts(c, List.of(id), target, status.wire(), null, now);
                }
            }
            return n > 0;
        });
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

    // ---------------------------------------------------------------- delivery (called by mesh.Inbox only)
    //
    // Every change of an inbox row's state goes through transition(), which changes it only from the states
    // named (a compare-and-set per row), stamps the columns of the new state and appends the change to
    // receipts, in the caller's transaction. No other statement writes state, offered_*, accepted_at or seen_*.

    private static final String ITEM_COLUMNS = "id, kind, sender, body, created_at, topic, task_id, task_status";

    private static InboxItem itemFrom(ResultSet rs) throws SQLException {
        return new InboxItem(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                Instant.ofEpochMilli(rs.getLong(5)), Optional.ofNullable(rs.getString(6)),
                Optional.ofNullable(rs.getString(7)), Optional.ofNullable(rs.getString(8)));
    }

    @Override
    public List<InboxItem> offerable(String recipient, Collection<String> kinds, int limit) {
        List<InboxItem> items = queued(recipient, kinds, limit);
        if (heldAnswers.isEmpty()) {
            return items;
        }
        // An answer a call here waits to return itself (holdAnswer) is not offered by any other path meanwhile.
        return items.stream().filter(i -> !(InboxItem.ANSWER.equals(i.kind()) && heldAnswers.containsKey(i.id()))).toList();
    }

    /**
     * The predicate of the partial index {@code inbox_open (recipient, seq)}, repeated word for word in a query
     * by recipient and state: SQLite uses a partial index only when the query's WHERE holds its predicate as a
     * term, and does not infer it from {@code state = 'queued'}. Without it every inbox read scanned the whole
     * table, history included (poll_inbox 8.9 ms with 10,000 delivered messages).
     */
    private static final String OPEN = "state IN ('queued', 'offered')";

    private List<InboxItem> queued(String recipient, Collection<String> kinds, int limit) {
        if (kinds.isEmpty()) {
            return read(c -> rows(c, JdbcStore::itemFrom, "SELECT " + ITEM_COLUMNS + " FROM inbox "
                    + "WHERE recipient = ? AND " + OPEN + " AND state = 'queued' ORDER BY seq LIMIT ?", key(recipient), limit));
        }
        // Four kinds at most are asked for; an unused place repeats the first (the statement stays constant).
        List<String> k = new ArrayList<>(kinds);
        if (k.size() > 4) {
            throw new IllegalArgumentException("offerable takes at most four kinds, not " + k);
        }
        while (k.size() < 4) {
            k.add(k.get(0));
        }
        return read(c -> rows(c, JdbcStore::itemFrom, "SELECT " + ITEM_COLUMNS + " FROM inbox "
                        + "WHERE recipient = ? AND " + OPEN + " AND state = 'queued' AND kind IN (?, ?, ?, ?) ORDER BY seq LIMIT ?",
                key(recipient), k.get(0), k.get(1), k.get(2), k.get(3), limit));
    }

    @Override
    public List<Offer> openOffers(String recipient, int limit) {
        return read(c -> rows(c, rs -> {
                    Optional<Instant> accepted = optionalInstant(rs, 7);
                    return new Offer(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                            Instant.ofEpochMilli(rs.getLong(6)), accepted);
                }, "SELECT id, kind, offered_via, offered_log, offered_mark, offered_at, accepted_at FROM inbox "
                        + "WHERE recipient = ? AND " + OPEN + " AND state = 'offered' ORDER BY seq LIMIT ?", key(recipient), limit));
    }

    @Override
    public boolean hasOpenItems(String recipient) {
        String k = key(recipient);
        return read(c -> rows(c, rs -> rs.getInt(1), "SELECT CASE WHEN EXISTS (SELECT 1 FROM questions WHERE target_key = ? "
                + "AND status = 'pending') OR EXISTS (SELECT 1 FROM inbox WHERE recipient = ? AND " + OPEN + ") THEN 1 ELSE 0 END",
                k, k)).get(0) == 1;
    }

    @Override
    public List<String> offer(String recipient, Collection<String> ids, String via, String log, long mark, Instant now) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return write(c -> transition(c, key(recipient), ids, "offered", via, now,
                "state = 'queued'", "offered_at = ?, offered_via = ?, offered_log = ?, offered_mark = ?, accepted_at = NULL",
                now.toEpochMilli(), via, log, mark));
    }

    @Override
    public void accept(String recipient, Collection<String> ids, Instant now) {
        if (!ids.isEmpty()) {
            write(c -> transition(c, key(recipient), ids, "accepted", null, now,
                    "state = 'offered' AND accepted_at IS NULL", "accepted_at = ?", now.toEpochMilli()));
        }
    }

    @Override
    public List<String> markSeen(String recipient, Collection<String> ids, String via, Instant now) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return write(c -> seenIn(c, key(recipient), ids, via, now));
    }

    private static List<String> seenIn(Connection c, String recipientKey, Collection<String> ids, String via, Instant now)
            throws SQLException {
        return transition(c, recipientKey, ids, "seen", via, now, "state IN ('queued', 'offered')", "seen_at = ?, seen_via = ?",
                now.toEpochMilli(), via);
    }

    /** A question nobody waits for any more no longer needs its recipient: its row is withdrawn, if not yet seen. */
    private static void withdrawIn(Connection c, String questionId, String why, Instant now) throws SQLException {
        String target;
        try (PreparedStatement ps = c.prepareStatement("SELECT target_key FROM questions WHERE id = ?")) {
            ps.setString(1, questionId);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return;
                }
                target = rs.getString(1);
            }
        }
        transition(c, target, List.of(questionId), "withdrawn", why, now, "state IN ('queued', 'offered')", "accepted_at = accepted_at");
    }

    @Override
    public List<String> release(String recipient, Collection<String> ids, Instant now) {
        if (ids.isEmpty()) {
            return List.of();
        }
        return write(c -> transition(c, key(recipient), ids, "queued", "released", now, "state = 'offered'",
                "accepted_at = NULL"));
    }

    /**
     * Moves each row (id, recipient) that is {@code fromClause} to {@code state}, setting {@code setClause}
     * (bound to {@code setArgs}), and logs each move. "accepted" is not a state of its own: the row stays
     * offered and only the receipt says so.
     */
    private static List<String> transition(Connection c, String recipientKey, Collection<String> ids, String state,
                                           String via, Instant now, String fromClause, String setClause,
                                           Object... setArgs) throws SQLException {
        String newState = "accepted".equals(state) ? "offered" : state;
        List<String> moved = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("UPDATE inbox SET state = ?, " + setClause
                + " WHERE id = ? AND recipient = ? AND " + fromClause)) {
            for (String id : ids) {
                Object[] args = new Object[setArgs.length + 3];
                args[0] = newState;
                System.arraycopy(setArgs, 0, args, 1, setArgs.length);
                args[setArgs.length + 1] = id;
                args[setArgs.length + 2] = recipientKey;
                bind(ps, args);
                if (ps.executeUpdate() > 0) {
                    moved.add(id);
                }
            }
        }
        logReceipts(c, moved, recipientKey, state, via, now);
        return moved;
    }

    private static void logReceipts(Connection c, Collection<String> ids, String recipientKey, String state, String via,
                                    Instant now) throws SQLException {
        if (ids.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO receipts (item_id, recipient, state, via, at) VALUES (?, ?, ?, ?, ?)")) {
            for (String id : ids) {
                bind(ps, id, recipientKey, state, via, now.toEpochMilli());
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public int unseenCount(String recipient, int cap) {
        return read(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM (SELECT 1 FROM inbox "
                    + "WHERE recipient = ? AND state IN ('queued', 'offered') LIMIT ?) AS waiting")) {
                bind(ps, key(recipient), cap);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    private static final String RECEIPT_COLUMNS = "SELECT i.id, i.kind, i.sender, i.recipient, i.state, i.created_at, "
            + "i.offered_at, i.offered_via, i.seen_at, i.seen_via, p.name FROM inbox i "
            + "LEFT JOIN peers p ON p.name_key = i.recipient ";

    private static Receipt receipt(ResultSet rs) throws SQLException {
        return new Receipt(rs.getString(1), rs.getString(2), rs.getString(3), peerNameOr(rs.getString(4), rs.getString(11)),
                rs.getString(5), Instant.ofEpochMilli(rs.getLong(6)), optionalInstant(rs, 7), Optional.ofNullable(rs.getString(8)),
                optionalInstant(rs, 9), Optional.ofNullable(rs.getString(10)));
    }

    @Override
    public List<Receipt> receipts(String id) {
        return receipts(List.of(id)).getOrDefault(id, List.of());
    }

    /** Ids bound per statement: well under SQLite's oldest limit on host parameters (999). */
    private static final int IDS_PER_QUERY = 500;

    @Override
    public Map<String, List<Receipt>> receipts(Collection<String> ids) {
        List<String> all = List.copyOf(new java.util.LinkedHashSet<>(ids));
        return read(c -> {
            Map<String, List<Receipt>> out = new java.util.HashMap<>();
            for (int from = 0; from < all.size(); from += IDS_PER_QUERY) {
                List<String> part = all.subList(from, Math.min(all.size(), from + IDS_PER_QUERY));
                String marks = String.join(", ", java.util.Collections.nCopies(part.size(), "?"));
                for (Receipt r : rows(c, JdbcStore::receipt, RECEIPT_COLUMNS + "WHERE i.id IN (" + marks + ") ORDER BY i.seq",
                        part.toArray())) {
                    out.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(r);
                }
            }
            return out;
        });
    }

    private static String peerNameOr(String key, String name) {
        return name != null ? name : key;
    }

    private static Optional<Instant> optionalInstant(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
    }

    @Override
    public List<Receipt.Change> receiptsAfter(long afterSeq, int limit) {
        return read(c -> rows(c, rs -> new Receipt.Change(rs.getLong(1), rs.getString(2),
                        peerNameOr(rs.getString(3), rs.getString(7)), rs.getString(4), Optional.ofNullable(rs.getString(5)),
                        Instant.ofEpochMilli(rs.getLong(6))),
                "SELECT r.seq, r.item_id, r.recipient, r.state, r.via, r.at, p.name FROM receipts r "
                        + "LEFT JOIN peers p ON p.name_key = r.recipient WHERE r.seq > ? ORDER BY r.seq LIMIT ?",
                afterSeq, limit));
    }

    @Override
    public void recordTranscript(String name, String path, Instant now) {
        update("UPDATE peers SET transcript_path = ? WHERE name_key = ?", path, key(name));
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
        for (String r : recipients) {
            logReceipts(c, List.of(item.id()), key(r), "queued", null, item.createdAt());
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
        return rows(c, rs -> rs.getString(1), sql, arg);
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
            seenIn(c, key(assignee), List.of(id), "completed", resultItem.createdAt());
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
        return read(c -> rows(c, JdbcStore::taskFrom, sql, arg));
    }

    private static Task taskFrom(ResultSet rs) throws SQLException {
        return new Task(rs.getString("id"), rs.getString("delegator"), rs.getString("assignee"),
                rs.getString("description"), Optional.ofNullable(rs.getString("context")),
                TaskStatus.fromWire(rs.getString("status")), Optional.ofNullable(rs.getString("result")),
                Instant.ofEpochMilli(rs.getLong("created_at")), instant(rs, "completed_at"), instant(rs, "named_at"));
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
            // One line per item: a broadcast's recipients are folded into its first row. An answer's item is left
            // out: the answer is told once, as its question's reply (answersSince).
            try (PreparedStatement ps = c.prepareStatement("SELECT max(seq), min(created_at), kind, min(sender), "
                    + joinRecipients() + ", id, min(body), min(topic) FROM inbox WHERE seq > ? AND kind <> 'answer' "
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
    public List<SentItem> recentItems(int limit) {
        // The newest items by their first row, then every row of those items: one broadcast is one id with a row
        // per recipient, and a task's result shares its task's id (told apart by kind).
        List<ItemRow> rows = read(c -> rows(c, rs -> new ItemRow(rs.getLong(1), rs.getString(2), rs.getString(3),
                        rs.getString(4), rs.getString(5), rs.getString(6), rs.getString(7), rs.getLong(8)),
                "SELECT i.seq, i.id, i.kind, i.sender, i.recipient, i.body, i.topic, i.created_at FROM inbox i "
                        + "JOIN (SELECT id, kind, min(seq) AS first_seq FROM inbox GROUP BY id, kind ORDER BY first_seq DESC LIMIT ?) "
                        + "newest ON i.id = newest.id AND i.kind = newest.kind ORDER BY newest.first_seq, i.seq",
                (long) limit));
        List<SentItem> out = new ArrayList<>();
        int i = 0;
        while (i < rows.size()) {
            ItemRow first = rows.get(i);
            List<String> recipients = new ArrayList<>();
            while (i < rows.size() && rows.get(i).id().equals(first.id()) && rows.get(i).kind().equals(first.kind())) {
                recipients.add(rows.get(i++).recipient());
            }
            out.add(new SentItem(first.seq(), first.id(), first.kind(), first.sender(), recipients,
                    Optional.ofNullable(first.topic()), first.body(), Instant.ofEpochMilli(first.createdAt())));
        }
        return out;
    }

    /** One inbox row: an item as addressed to one recipient. */
    private record ItemRow(long seq, String id, String kind, String sender, String recipient, String body, String topic,
                           long createdAt) {
    }

    @Override
    public List<MeshEvent> answersSince(Instant since) {
        return read(c -> rows(c, rs -> new MeshEvent(0, Instant.ofEpochMilli(rs.getLong(1)), "reply", rs.getString(2),
                        rs.getString(3), rs.getString(4), rs.getString(5)),
                "SELECT answered_at, target, asker, id, answer FROM questions WHERE answered_at >= ? ORDER BY answered_at, id",
                since.toEpochMilli()));
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
        return questions("SELECT " + QUESTION_COLUMNS + " FROM questions WHERE status = 'pending'");
    }

    @Override
    public boolean markOffline(String name, Instant now) {
        return update("UPDATE peers SET state = 'offline' WHERE name_key = ? AND state = 'active'", key(name)) > 0;
    }

    @Override
    public int pruneHistory(Instant before) {
        long t = before.toEpochMilli();
        return write(c -> {
            int n = exec(c, "DELETE FROM inbox WHERE state = 'seen' AND seen_at < ?", t);
            n += exec(c, "DELETE FROM inbox WHERE state = 'withdrawn' AND created_at < ?", t);
            exec(c, "DELETE FROM receipts WHERE at < ? AND item_id NOT IN (SELECT id FROM inbox)", t); // their history goes too
            n += exec(c, "DELETE FROM questions WHERE status <> 'pending' AND coalesce(answered_at, expires_at) < ? "
                    + "AND id NOT IN (SELECT id FROM inbox)", t);
            n += exec(c, "DELETE FROM tasks WHERE status <> 'pending' AND completed_at < ? "
                    + "AND id NOT IN (SELECT id FROM inbox)", t);
            n += exec(c, "DELETE FROM leases WHERE ended_at < ?", t);
            exec(c, "DELETE FROM lease_log WHERE at < ?", t);
            return n;
        });
    }

    // ---------------------------------------------------------------- file leases

    private static final String LEASE_COLUMNS = "id, glob, repo, holder, host, server_pid, server_start, mode, reason, "
            + "claimed_at, expires_at";

    @Override
    public boolean addLease(Lease lease, Predicate<List<Lease>> mayAdd) {
        return write(c -> {
            if (!mayAdd.test(grouped(rows(c, JdbcStore::leaseRow, "SELECT " + LEASE_COLUMNS
                    + " FROM leases WHERE repo = ? AND ended_at IS NULL ORDER BY claimed_at, id, glob", lease.repo())))) {
                return false;
            }
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO leases (id, glob, repo, holder, holder_key, host, "
                    + "server_pid, server_start, mode, reason, claimed_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                for (String glob : lease.globs()) {
                    bind(ps, lease.id(), glob, lease.repo(), lease.holder(), key(lease.holder()), lease.host(),
                            lease.server().pid(), lease.server().startedAtMs(), lease.exclusive() ? "exclusive" : "shared",
                            lease.reason(), lease.claimedAt().toEpochMilli(), lease.expiresAt().toEpochMilli());
                    ps.executeUpdate();
                }
            }
            logLease(c, lease.id(), lease.holder(), "claimed", String.join(" ", lease.globs()), lease.claimedAt());
            return true;
        });
    }

    @Override
    public List<Lease> openLeases(Optional<String> repo) {
        return read(c -> grouped(repo.isPresent()
                ? rows(c, JdbcStore::leaseRow, "SELECT " + LEASE_COLUMNS
                        + " FROM leases WHERE repo = ? AND ended_at IS NULL ORDER BY claimed_at, id, glob", repo.get())
                : rows(c, JdbcStore::leaseRow, "SELECT " + LEASE_COLUMNS
                        + " FROM leases WHERE ended_at IS NULL ORDER BY claimed_at, id, glob")));
    }

    @Override
    public List<String> endLeases(Collection<String> ids, Collection<String> globs, String how, Instant now) {
        return write(c -> {
            List<String> ended = new ArrayList<>();
            for (String id : ids) {
                List<String> open = rows(c, rs -> rs.getString(1),
                        "SELECT glob FROM leases WHERE id = ? AND ended_at IS NULL ORDER BY glob", id);
                List<String> these = open.stream().filter(g -> globs.isEmpty() || globs.contains(g)).toList();
                if (these.isEmpty()) {
                    continue;
                }
                String holder = null;
                try (PreparedStatement ps = c.prepareStatement(
                        "UPDATE leases SET ended_at = ?, ended_how = ? WHERE id = ? AND glob = ? AND ended_at IS NULL")) {
                    for (String g : these) {
                        bind(ps, now.toEpochMilli(), how, id, g);
                        ps.executeUpdate();
                    }
                }
                for (String h : rows(c, rs -> rs.getString(1), "SELECT holder FROM leases WHERE id = ? LIMIT 1", id)) {
                    holder = h;
                }
                logLease(c, id, holder == null ? "" : holder, how, String.join(" ", these), now);
                ended.add(id);
            }
            return ended;
        });
    }

    @Override
    public List<Lease.Event> leaseEventsAfter(long afterSeq, int limit) {
        return read(c -> rows(c, rs -> new Lease.Event(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), Instant.ofEpochMilli(rs.getLong(6))),
                "SELECT seq, lease_id, holder, event, globs, at FROM lease_log WHERE seq > ? ORDER BY seq LIMIT ?", afterSeq, limit));
    }

    private static void logLease(Connection c, String id, String holder, String event, String globs, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO lease_log (lease_id, holder, event, globs, at) VALUES (?, ?, ?, ?, ?)")) {
            bind(ps, id, holder, event, globs, at.toEpochMilli());
            ps.executeUpdate();
        }
    }

    private static Lease leaseRow(ResultSet rs) throws SQLException {
        return new Lease(rs.getString("id"), rs.getString("repo"), rs.getString("holder"), rs.getString("host"),
                new ProcessRef(rs.getLong("server_pid"), rs.getLong("server_start")), "exclusive".equals(rs.getString("mode")),
                rs.getString("reason"), Instant.ofEpochMilli(rs.getLong("claimed_at")), Instant.ofEpochMilli(rs.getLong("expires_at")),
                List.of(rs.getString("glob")));
    }

    /** One lease per id, its rows' globs together, in the order the rows came. */
    private static List<Lease> grouped(List<Lease> rows) {
        Map<String, Lease> byId = new LinkedHashMap<>();
        for (Lease r : rows) {
            byId.merge(r.id(), r, (a, b) -> {
                List<String> globs = new ArrayList<>(a.globs());
                globs.addAll(b.globs());
                return a.with(globs);
            });
        }
        return new ArrayList<>(byId.values());
    }

    @Override
    public int deleteOfflinePeers(Instant before) {
        return write(c -> exec(c, "DELETE FROM peers WHERE state = 'offline' AND last_seen < ? "
                + "AND name_key NOT IN (SELECT recipient FROM inbox WHERE state IN ('queued', 'offered'))", before.toEpochMilli()));
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
                    "SELECT recipient, count(*) FROM inbox WHERE state IN ('queued', 'offered') GROUP BY recipient ORDER BY recipient")) {
                while (rs.next()) {
                    out.put(rs.getString(1), rs.getInt(2));
                }
            }
            return out;
        });
    }
}
