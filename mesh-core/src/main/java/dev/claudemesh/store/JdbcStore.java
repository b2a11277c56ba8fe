package dev.claudemesh.store;

import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.mesh.StoreException;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.MeshEvent;
import dev.claudemesh.mesh.Outgoing;
import dev.claudemesh.mesh.Task;
import dev.claudemesh.mesh.TaskStatus;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerState;
import dev.claudemesh.mesh.ProcessRef;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.SentItem;
import dev.claudemesh.mesh.QuestionStatus;

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
            markDeliveredIn(c, key(target), List.of(id), now);
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
    public boolean closeQuestion(String id, QuestionStatus status) {
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
                        if (InboxItem.ANSWER.equals(rs.getString(2)) && heldAnswers.containsKey(rs.getString(1))) {
                            continue; // a call here returns this answer itself (holdAnswer)
                        }
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
    public Optional<InboxEntry> inboxEntry(String id, String recipient) {
        return read(c -> rows(c, rs -> new InboxEntry(rs.getString(1), Instant.ofEpochMilli(rs.getLong(2)),
                        instant(rs, "delivered_at")),
                "SELECT kind, created_at, delivered_at FROM inbox WHERE id = ? AND recipient = ?", id, key(recipient))
                .stream().findFirst());
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
}
