package dev.claudemesh.mesh;

import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.MeshStore.PeerClaim;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * The mesh's rules, in one place: who a process is, who is online, who may answer what, what counts as
 * delivered, and when a session must not go idle. Tools, hooks and the CLI call these methods and render
 * the results; none of them decide anything themselves.
 */
public final class Mesh {
    public static final Duration STALE_AFTER = Duration.ofMinutes(30);
    /**
     * How long a question stays open when its asker gives no timeout_seconds: long past one ask_peer call (which
     * returns {@code waiting} before Claude Code would move it to the background), so a busy peer can still
     * answer and the answer reaches the asker's inbox. The ask tool, the CLI and the docs all take it from here.
     */
    public static final int DEFAULT_ASK_TIMEOUT_SECONDS = 600;
    public static final Duration DEFAULT_ASK_TIMEOUT = Duration.ofSeconds(DEFAULT_ASK_TIMEOUT_SECONDS);
    public static final int MAX_ASK_TIMEOUT_SECONDS = 3600;
    /** How many sessions of one project may hold numbered names (backend, backend-2, ...). */
    static final int MAX_SESSIONS_PER_NAME = 50;

    private final MeshStore store;
    private final Processes processes;
    private final Clock clock;
    private final String host;
    private final int maxMessageChars;
    private final Duration heartbeatTimeout;
    /** Made on first use: seeding costs a hook that never creates an id a few milliseconds for nothing. */
    private SecureRandom random;

    public Mesh(MeshStore store, Processes processes, Clock clock, String host, int maxMessageChars) {
        this(store, processes, clock, host, maxMessageChars, Duration.ofSeconds(
                dev.claudemesh.config.MeshConfig.DEFAULT_HEARTBEAT_SECONDS + dev.claudemesh.config.MeshConfig.DEFAULT_HEARTBEAT_GRACE_SECONDS));
    }

    /**
     * @param heartbeatTimeout how long after its last heartbeat a peer on another host counts as gone (its
     *                         process ids mean nothing here, so its heartbeat is all there is to judge by)
     */
    public Mesh(MeshStore store, Processes processes, Clock clock, String host, int maxMessageChars, Duration heartbeatTimeout) {
        this.store = store;
        this.processes = processes;
        this.clock = clock;
        this.host = host;
        this.maxMessageChars = maxMessageChars;
        this.heartbeatTimeout = heartbeatTimeout;
    }

    /** A mesh on {@code store} configured as {@code config} says, for this process on this host. */
    public static Mesh of(MeshStore store, dev.claudemesh.config.MeshConfig config) {
        return of(store, config, Processes.LOCAL);
    }

    /** As {@link #of(MeshStore, dev.claudemesh.config.MeshConfig)}, judging processes through {@code processes}. */
    public static Mesh of(MeshStore store, dev.claudemesh.config.MeshConfig config, Processes processes) {
        return new Mesh(store, processes, Clock.systemUTC(), config.host(), config.maxMessageChars(),
                config.heartbeatTimeout());
    }

    /** The host name this process records and judges others by. */
    public String host() {
        return host;
    }

    public MeshStore store() {
        return store;
    }

    // ------------------------------------------------------------------ identity and presence

    /**
     * An MCP server joins: it takes its project's name or, when a live server of another session holds it,
     * the next numbered one. A row left by this session's SessionStart hook (same project, no server yet) is
     * adopted, so hook and server end up as one peer.
     */
    public Peer joinAsServer(ProjectIdentity id) {
        ProcessRef self = processes.self();
        ProcessRef claude = processes.parent().orElse(null);
        PeerClaim claim = new PeerClaim(id.projectPath().toString(), id.gitRoot().toString(), host, null, null,
                self, claude, now());
        return store.claimName(candidates(id.baseName()), claim, row -> heldAgainstServer(row, id, self));
    }

    private boolean heldAgainstServer(Peer row, ProjectIdentity id, ProcessRef self) {
        if (row.state() == PeerState.OFFLINE || isGone(row)) {
            return false;
        }
        if (row.server().isPresent()) {
            // A pid names a process only on its own host; another host's server with our pid is not us.
            return row.server().get().pid() != self.pid() || !host.equals(row.host());
        }
        // A row a SessionStart hook made before its server came up: ours if it is for our project and, when
        // the hook recorded its ancestry, if our Claude Code process (our parent) is among those ancestors.
        // Two sessions starting together in one project thus each adopt their own hook's row.
        if (!row.projectPath().equals(id.projectPath().toString())) {
            return true;
        }
        Optional<ProcessRef> claude = processes.parent();
        return !row.hookAncestors().isEmpty() && claude.isPresent()
                && row.hookAncestors().stream().noneMatch(a -> sameProcess(a, claude.get()));
    }

    /** The server re-announces itself (the register tool): active again, with a new summary if given. */
    public Peer register(String self, ProjectIdentity id, Optional<String> summary) {
        summary.ifPresent(s -> checkText("summary", s, 1000, true));
        ProcessRef me = processes.self();
        PeerClaim claim = new PeerClaim(id.projectPath().toString(), id.gitRoot().toString(), host,
                summary.orElse(null), null, me, processes.parent().orElse(null), now());
        return store.claimName(List.of(self), claim, row -> false);
    }

    /** Heartbeat: the server is alive and responsive. */
    public void heartbeat(String self) {
        store.touch(self, now());
    }

    /**
     * A process that is not a Claude Code session (the command line) takes {@code name}, so peers see who sent
     * what and can write back (to a queue, once it has exited). Refused when a live session's server holds the
     * name; any other holder (an offline row, an earlier command line) gives it up.
     */
    public Peer joinAs(String name, ProjectIdentity id, String summary) {
        String problem = PeerNames.problem(name);
        if (problem != null) {
            throw new MeshException(problem);
        }
        ProcessRef me = processes.self();
        Optional<Peer> existing = store.peer(name);
        if (existing.isPresent() && existing.get().server().isPresent() && statusOf(existing.get()) != PeerStatus.OFFLINE
                && existing.get().server().get().pid() != me.pid()) {
            throw new MeshException("'" + name + "' is a live session's name; pick another");
        }
        PeerClaim claim = new PeerClaim(id.projectPath().toString(), id.gitRoot().toString(), host, summary, null,
                me, processes.parent().orElse(null), now());
        return store.claimName(List.of(name), claim, row -> false);
    }

    /**
     * Whether the session that holds {@code name} is still there: not offline (SessionEnd, or its processes
     * gone) and, when {@code sessionId} is given, still that session (another has not taken the name).
     */
    public boolean sessionGoesOn(String name, String sessionId) {
        Optional<Peer> p = store.peer(name);
        if (p.isEmpty() || statusOf(p.get()) == PeerStatus.OFFLINE) {
            return false;
        }
        return sessionId == null || p.get().sessionId().isEmpty() || sessionId.equals(p.get().sessionId().get());
    }

    /** The server is shutting down: offline, unless another process has taken the name meanwhile. */
    public void leaveAsServer(String self) {
        store.releaseServer(self, processes.self().pid(), now());
    }

    /**
     * Which peer a hook process belongs to: among the active peers of its project, the one whose recorded
     * Claude Code process is an ancestor of this hook; else, when exactly one is active, that one.
     */
    public Optional<Peer> findHookPeer(ProjectIdentity id) {
        List<Peer> active = activeIn(id);
        Optional<Peer> byAncestor = byAncestor(active);
        if (byAncestor.isPresent()) {
            return byAncestor;
        }
        return active.size() == 1 ? Optional.of(active.get(0)) : Optional.empty();
    }

    /**
     * SessionStart: finds this session's peer as {@link #findHookPeer} does, except that it never takes over a
     * peer whose server belongs to another Claude Code process; failing that it takes a name of its own,
     * which this session's server adopts when it starts. Records the session id either way.
     *
     * @param source SessionStart's {@code source}: {@code startup} is a new Claude Code process; {@code clear},
     *               {@code compact}, {@code resume} and others may continue the process that made a row
     */
    public Peer startSession(ProjectIdentity id, String sessionId, String source) {
        List<Peer> active = activeIn(id);
        boolean newProcess = "startup".equals(source);
        // A row without a Claude Code process is one a SessionStart hook made before its server came up. After
        // /clear it is ours whatever session it names; at startup only if it names no session or ours, since
        // another session starting at the same moment in the same project made it otherwise.
        Optional<Peer> mine = byAncestor(active)
                .or(() -> single(active.stream().filter(p -> p.claude().isEmpty()
                        && (!newProcess || p.sessionId().map(sessionId::equals).orElse(true))).toList()));
        String ancestry = Peer.encode(processes.ancestors());
        if (mine.isPresent()) {
            if (mine.get().claude().isPresent()) {
                store.recordSession(mine.get().name(), sessionId, now());
            } else {
                store.recordSessionStart(mine.get().name(), sessionId, ancestry, now());
            }
            return store.peer(mine.get().name()).orElseThrow();
        }
        PeerClaim claim = new PeerClaim(id.projectPath().toString(), id.gitRoot().toString(), host, null, sessionId,
                null, null, now(), ancestry, true);
        return store.claimName(candidates(id.baseName()), claim, row -> row.state() == PeerState.ACTIVE && !isGone(row));
    }

    /** SessionStart whose source is not known: treated as one that may continue an existing process. */
    public Peer startSession(ProjectIdentity id, String sessionId) {
        return startSession(id, sessionId, "");
    }

    /**
     * Keeps the recorded session id current when the hook proves it belongs to this peer's Claude Code
     * process (a prompt from the live session), so SessionEnd matches later.
     */
    public void confirmSession(Peer peer, String sessionId) {
        if (sessionId != null && !sessionId.equals(peer.sessionId().orElse(null)) && byAncestor(List.of(peer)).isPresent()) {
            store.recordSession(peer.name(), sessionId, now());
        }
    }

    /**
     * SessionEnd: the project's peer whose recorded session id is {@code sessionId} goes offline. Matching on
     * the session id means a late SessionEnd from an earlier session (after /clear, say) finds nothing to end.
     *
     * @return the peer that went offline, if any
     */
    public Optional<String> endSession(ProjectIdentity id, String sessionId) {
        String project = id.projectPath().toString();
        for (Peer p : store.peers()) {
            if (p.projectPath().equals(project) && sessionId.equals(p.sessionId().orElse(null))
                    && store.endSession(p.name(), sessionId, now())) {
                return Optional.of(p.name());
            }
        }
        return Optional.empty();
    }

    private List<Peer> activeIn(ProjectIdentity id) {
        String project = id.projectPath().toString();
        return store.peers().stream()
                .filter(p -> p.projectPath().equals(project) && statusOf(p) != PeerStatus.OFFLINE)
                .toList();
    }

    private Optional<Peer> byAncestor(List<Peer> peers) {
        List<ProcessRef> ancestors = processes.ancestors();
        return peers.stream()
                .filter(p -> p.claude().isPresent() && ancestors.stream().anyMatch(a -> sameProcess(a, p.claude().get())))
                .findFirst();
    }

    private static boolean sameProcess(ProcessRef a, ProcessRef b) {
        return a.pid() == b.pid() && (a.startedAtMs() == 0 || b.startedAtMs() == 0 || Processes.sameStart(a.startedAtMs(), b.startedAtMs()));
    }

    private static <T> Optional<T> single(List<T> list) {
        return list.size() == 1 ? Optional.of(list.get(0)) : Optional.empty();
    }

    private static List<String> candidates(String base) {
        List<String> names = new ArrayList<>();
        for (int n = 1; n <= MAX_SESSIONS_PER_NAME; n++) {
            names.add(PeerNames.numbered(base, n));
        }
        return names;
    }

    /** Active, stale or offline, worked out now from the stored state, the processes and the last sighting. */
    public PeerStatus statusOf(Peer p) {
        if (p.state() == PeerState.OFFLINE || isGone(p)) {
            return PeerStatus.OFFLINE;
        }
        return p.lastSeen().isBefore(now().minus(STALE_AFTER)) ? PeerStatus.STALE : PeerStatus.ACTIVE;
    }

    /**
     * A peer on this host whose recorded server (or, before it has one, Claude Code) process is gone; or a peer
     * on another host whose last heartbeat is older than the heartbeat timeout.
     */
    private boolean isGone(Peer p) {
        if (!host.equals(p.host())) {
            return p.lastSeen().isBefore(now().minus(heartbeatTimeout));
        }
        Optional<ProcessRef> proc = p.server().or(p::claude);
        return proc.isPresent() && !processes.isAlive(proc.get());
    }

    /**
     * The live peer of another project holding {@code name}, if any. A session starting in {@code projectPath}
     * and asking for that name gets a numbered one instead ({@code name-2}), so the name is taken for it.
     */
    public Optional<Peer> holderElsewhere(String name, String projectPath) {
        return store.peer(name).filter(p -> !p.projectPath().equals(projectPath) && statusOf(p) != PeerStatus.OFFLINE);
    }

    /** Every peer the mesh knows, with its status now (the command line's list). */
    public List<PeerView> allPeers() {
        return store.peers().stream().map(this::view).toList();
    }

    private PeerView view(Peer p) {
        return new PeerView(p.name(), statusOf(p), p.summary(), p.projectPath(), p.lastSeen(), p.host());
    }

    public List<PeerView> listPeers(String self, ProjectIdentity selfId, PeerScope scope, boolean includeStale) {
        String selfKey = PeerNames.key(self);
        Predicate<Peer> inScope = switch (scope) {
            case MACHINE -> p -> true;
            case DIRECTORY -> p -> p.projectPath().equals(selfId.projectPath().toString());
            case REPO -> p -> p.gitRoot().equals(selfId.gitRoot().toString());
        };
        return store.peers().stream()
                .filter(p -> !PeerNames.key(p.name()).equals(selfKey))
                .filter(inScope)
                .map(this::view)
                .filter(v -> includeStale || v.status() == PeerStatus.ACTIVE)
                .toList();
    }

    // ------------------------------------------------------------------ questions

    /** Records a question from {@code from} to {@code to}; fails at once when the target cannot answer. */
    public Question ask(String from, String to, String text, Duration timeout) {
        return ask(from, to, text, timeout, id -> { });
    }

    /**
     * As {@link #ask(String, String, String, Duration)}, calling {@code beforeStored} with the question's id
     * once it is checked and before it is stored, that is before anyone can answer it.
     */
    Question ask(String from, String to, String text, Duration timeout, Consumer<String> beforeStored) {
        Peer target = existingPeer(from, to, "ask");
        checkText("question", text, maxMessageChars, false);
        if (timeout.isNegative() || timeout.isZero() || timeout.getSeconds() > MAX_ASK_TIMEOUT_SECONDS) {
            throw new MeshException("timeout_seconds must be between 1 and " + MAX_ASK_TIMEOUT_SECONDS
                    + " (got " + timeout.getSeconds() + ")");
        }
        if (statusOf(target) == PeerStatus.OFFLINE) {
            throw new MeshException("Peer '" + target.name() + "' is offline, so nobody would answer. "
                    + "Call list_peers to see who is online.");
        }
        Instant now = now();
        Question q = new Question(newId("q_"), from, Optional.of(processes.self()), target.name(), text,
                QuestionStatus.PENDING, now, now.plus(timeout), Optional.empty(), Optional.empty(), Optional.empty());
        beforeStored.accept(q.id());
        store.addQuestion(q);
        return q;
    }

    /**
     * Blocks until {@code q} is answered, its time runs out, its target goes offline, or the thread is
     * interrupted (the caller cancelled). Exactly one of these wins, decided in the store. For a caller that
     * may block for as long as the question lives (the CLI); tool calls wait through {@link AnswerWaits}.
     *
     * @param tick called about every {@code tickEvery} with the time waited so far (for progress notifications)
     */
    public AskOutcome awaitAnswer(Question q, ChangeWatch watch, Duration tickEvery, Consumer<Duration> tick) {
        try (AnswerWaits waits = new AnswerWaits(this, watch)) {
            AnswerWaits.Wait w = waits.await(q, Optional.empty(), tickEvery, tick);
            try {
                return w.outcome().get();
            } catch (InterruptedException e) {
                Thread.interrupted(); // the cancelling write must not itself be interrupted
                try {
                    return w.cancel();
                } finally {
                    Thread.currentThread().interrupt();
                }
            } catch (java.util.concurrent.ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }

    /**
     * The asker gives up on {@code q} (Ctrl-C in {@code claude-mesh ask}): cancelled, unless it was answered or
     * closed first. Says whether it was this call that cancelled it.
     */
    public boolean cancel(Question q) {
        return store.closeQuestion(q.id(), QuestionStatus.CANCELLED);
    }

    /**
     * How {@code q} ended, if it has: for its asker, as the store recorded it. An answer returned this way is the
     * answer's delivery, so its inbox item (see {@link MeshStore#answer}) is marked delivered
     * in the same step and not shown again.
     */
    Optional<AskOutcome> settled(Question q) {
        Question cur = store.question(q.id()).orElseThrow();
        return switch (cur.status()) {
            case PENDING -> Optional.empty();
            case ANSWERED -> {
                store.markDelivered(cur.asker(), List.of(cur.id()), now());
                yield Optional.of(new AskOutcome(AskOutcome.ANSWERED, cur.id(), cur.target(), cur.answer()));
            }
            case CANCELLED -> Optional.of(new AskOutcome(AskOutcome.CANCELLED, cur.id(), cur.target(), Optional.empty()));
            default -> Optional.of(new AskOutcome(AskOutcome.TIMED_OUT, cur.id(), cur.target(), Optional.empty()));
        };
    }

    /** Closes a question the asker stops waiting for, unless another outcome (an answer) got there first. */
    AskOutcome endWait(Question q, QuestionStatus closeAs, String outcome) {
        if (store.closeQuestion(q.id(), closeAs)) {
            return new AskOutcome(outcome, q.id(), q.target(), Optional.empty());
        }
        return settled(q).orElse(new AskOutcome(outcome, q.id(), q.target(), Optional.empty()));
    }

    /** Whether the peer {@code target} can no longer answer: unknown, or offline by {@link #statusOf}. */
    boolean targetGone(String target) {
        return store.peer(target).map(this::statusOf).orElse(PeerStatus.OFFLINE) == PeerStatus.OFFLINE;
    }

    /**
     * Question {@code id}, for its asker to wait on again ({@code await_answer}). Only the peer that asked may:
     * the answer is its mail.
     */
    public Question ownQuestion(String self, String id) {
        if (id == null || id.isBlank()) {
            throw new MeshException("question_id is empty; pass the question_id ask_peer returned (it starts with 'q_').");
        }
        Question q = store.question(id.trim()).orElseThrow(() -> new MeshException(
                "No question with id '" + PeerNames.printable(id) + "'. Use the question_id ask_peer returned."));
        if (!PeerNames.key(q.asker()).equals(PeerNames.key(self))) {
            throw new MeshException("Question " + q.id() + " was asked by '" + q.asker() + "', not by you ('" + self
                    + "'); only its asker can wait for its answer.");
        }
        return q;
    }

    /** {@code self} answers question {@code id}. Only the peer asked may answer, and only once. */
    public Question reply(String self, String id, String answer) {
        if (id == null || id.isBlank()) {
            throw new MeshException("question_id is empty; pass the id shown with the question (it starts with 'q_').");
        }
        checkText("answer", answer, maxMessageChars, false);
        Question q = store.question(id.trim()).orElseThrow(() -> new MeshException(
                "No question with id '" + PeerNames.printable(id) + "'. Use the question_id exactly as shown with the question."));
        if (!PeerNames.key(q.target()).equals(PeerNames.key(self))) {
            throw new MeshException("Question " + q.id() + " was asked of '" + q.target() + "', not of you ('" + self
                    + "'); only '" + q.target() + "' can answer it.");
        }
        if (q.status() == QuestionStatus.PENDING && !now().isBefore(q.expiresAt())) {
            store.closeQuestion(q.id(), QuestionStatus.EXPIRED); // its asker stopped waiting, even if it could not say so
        }
        if (q.status() == QuestionStatus.PENDING && store.answer(q.id(), self, answer, now())) {
            return store.question(q.id()).orElseThrow();
        }
        Question cur = store.question(q.id()).orElseThrow();
        throw new MeshException(switch (cur.status()) {
            case ANSWERED -> "Question " + q.id() + " was already answered; nothing more to do.";
            case EXPIRED -> "Question " + q.id() + " expired: '" + q.asker() + "' stopped waiting for an answer. "
                    + "If it still matters, ask_peer them yourself.";
            case CANCELLED -> "Question " + q.id() + " was cancelled by '" + q.asker() + "'; no answer is needed.";
            case ABANDONED -> "Question " + q.id() + " was abandoned: '" + q.asker() + "' ended its session; no answer is needed.";
            case PENDING -> "Question " + q.id() + " could not be answered just now; try reply_to_peer again.";
        });
    }

    /**
     * Questions waiting for {@code self}'s answer. Those whose asker's time ran out, or whose asking process
     * died, are closed on the way (expired, abandoned) and left out: nobody waits for them any more.
     */
    public List<Question> openQuestionsFor(String self) {
        Instant now = now();
        List<Question> open = new ArrayList<>();
        for (Question q : store.pendingQuestionsFor(self)) {
            if (!now.isBefore(q.expiresAt())) {
                store.closeQuestion(q.id(), QuestionStatus.EXPIRED);
            } else if (askerGone(q)) {
                store.closeQuestion(q.id(), QuestionStatus.ABANDONED);
            } else {
                open.add(q);
            }
        }
        return open;
    }

    // ------------------------------------------------------------------ delivery

    /** How many items wait undelivered for {@code self}. */
    public int waitingCount(String self) {
        return store.waitingCount(self);
    }

    /**
     * A watch on this mesh's commits, for a process that waits for something to change; checked every
     * {@code intervalMs} on a file (a PostgreSQL mesh is told of each commit instead).
     */
    public ChangeWatch watchChanges(long intervalMs) {
        return ChangeWatch.on(store, intervalMs);
    }

    /** Everything new for {@code self}, marked delivered in the same step: a second call returns only newer items. */
    public List<InboxItem> takeInbox(String self) {
        return takeInbox(self, Integer.MAX_VALUE);
    }

    /** As {@link #takeInbox(String)}, stopping once the bodies reach about {@code maxChars}; the rest stay waiting. */
    public List<InboxItem> takeInbox(String self, int maxChars) {
        List<InboxItem> items = store.takeInbox(self, maxChars, now());
        if (items.stream().noneMatch(i -> InboxItem.QUESTION.equals(i.kind()))) {
            return items; // only questions can have been closed meanwhile; no need to look
        }
        // A question nobody waits for any more is not worth the model's attention.
        Set<String> open = openQuestionsFor(self).stream().map(Question::id).collect(Collectors.toSet());
        return items.stream().filter(i -> !InboxItem.QUESTION.equals(i.kind()) || open.contains(i.id())).toList();
    }

    /**
     * The Stop rule: while questions wait for this peer's answer, or tasks given to it are still pending, it
     * must not go idle. It never blocks twice for the same things within one stop sequence: when Claude Code
     * says this stop already follows a block ({@code stopHookActive}) and every open item was named before,
     * the session may stop.
     */
    public StopVerdict stopVerdict(String self, boolean stopHookActive) {
        List<Question> open = openQuestionsFor(self);
        List<Task> tasks = store.tasksAssignedTo(self).stream().filter(t -> t.status() == TaskStatus.PENDING).toList();
        if (open.isEmpty() && tasks.isEmpty()) {
            return StopVerdict.ALLOW;
        }
        boolean allNamed = open.stream().allMatch(q -> q.namedAt().isPresent())
                && tasks.stream().allMatch(t -> t.namedAt().isPresent());
        if (stopHookActive && allNamed) {
            return StopVerdict.ALLOW;
        }
        Instant now = now();
        List<String> qids = open.stream().map(Question::id).toList();
        List<String> tids = tasks.stream().map(Task::id).toList();
        store.markNamed(qids, now);
        store.markTasksNamed(tids, now);
        List<String> all = new ArrayList<>(qids);
        all.addAll(tids);
        store.markDelivered(self, all, now);
        return new StopVerdict(true, open, tasks);
    }

    // ------------------------------------------------------------------ messages and topics

    /** A one-way message. To a peer that is offline it waits, and reaches the next session with that name. */
    public Delivery tell(String from, String to, String message) {
        Peer target = existingPeer(from, to, "tell");
        checkText("message", message, maxMessageChars, false);
        Outgoing item = new Outgoing(newId("m_"), InboxItem.MESSAGE, from, message, null, null, null, now());
        store.deliver(item, List.of(target.name()));
        return new Delivery(item.id(), statusOf(target) == PeerStatus.OFFLINE ? Delivery.QUEUED : Delivery.SENT,
                List.of(target.name()));
    }

    /**
     * Without a topic: to every active peer but the sender. With one: to its subscribers but the sender,
     * online or not (it waits for those offline).
     */
    public Delivery broadcast(String from, String message, Optional<String> topic) {
        checkText("message", message, maxMessageChars, false);
        topic.ifPresent(Mesh::checkTopic);
        String selfKey = PeerNames.key(from);
        List<String> recipients;
        if (topic.isPresent()) {
            recipients = store.subscribers(topic.get()).stream().filter(k -> !k.equals(selfKey))
                    .map(k -> store.peer(k).map(Peer::name).orElse(k)).toList();
        } else {
            recipients = store.peers().stream().filter(p -> !PeerNames.key(p.name()).equals(selfKey))
                    .filter(p -> statusOf(p) == PeerStatus.ACTIVE).map(Peer::name).toList();
        }
        Outgoing item = new Outgoing(newId("b_"), InboxItem.BROADCAST, from, message, topic.orElse(null), null, null, now());
        store.deliver(item, recipients);
        return new Delivery(item.id(), recipients.isEmpty() ? Delivery.QUEUED : Delivery.SENT, recipients);
    }

    public List<String> subscribe(String self, String topic) {
        checkTopic(topic);
        return store.subscribe(self, topic, now());
    }

    public List<String> unsubscribe(String self, String topic) {
        checkTopic(topic);
        return store.unsubscribe(self, topic);
    }

    public List<String> topics(String self) {
        return store.topics(self);
    }

    static void checkTopic(String topic) {
        if (topic == null || !topic.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new MeshException("topic '" + (topic == null ? "" : PeerNames.printable(topic))
                    + "' is not valid: use 1 to 64 letters, digits, '.', '_' or '-'");
        }
    }

    // ------------------------------------------------------------------ names and summaries

    /**
     * The session takes another name (a role such as {@code planner}) for as long as it lives. The name it
     * had is released at once (offline, free for others; mail sent to it stays with it).
     */
    public Peer rename(String self, ProjectIdentity id, String newName) {
        String problem = PeerNames.problem(newName);
        if (problem != null) {
            throw new MeshException("name: " + problem);
        }
        if (PeerNames.key(newName).equals(PeerNames.key(self))) {
            return register(self, id, Optional.empty());
        }
        ProcessRef me = processes.self();
        Peer old = store.peer(self).orElse(null);
        PeerClaim claim = new PeerClaim(id.projectPath().toString(), id.gitRoot().toString(), host,
                old == null ? null : old.summary(), old == null ? null : old.sessionId().orElse(null), me,
                processes.parent().orElse(null), now());
        Predicate<Peer> held = row -> heldAgainstServer(row, id, me)
                || row.server().isEmpty() && row.state() == PeerState.ACTIVE && !isGone(row);
        Optional<Peer> current = store.peer(newName);
        if (current.isPresent() && held.test(current.get())) {
            throw new MeshException("'" + current.get().name() + "' is the name of a live session (" + current.get().projectPath()
                    + "); pick another name.");
        }
        Peer taken;
        try {
            taken = store.claimName(List.of(newName), claim, held);
        } catch (StoreException raced) {
            throw new MeshException("'" + newName + "' was just taken by another session; pick another name.");
        }
        store.releaseServer(self, me.pid(), now());
        return taken;
    }

    public Peer setSummary(String self, String summary) {
        checkText("summary", summary, 1000, true);
        store.setSummary(self, summary.strip(), now());
        return store.peer(self).orElseThrow();
    }

    // ------------------------------------------------------------------ tasks

    public Task delegate(String from, String to, String description, Optional<String> context) {
        Peer target = existingPeer(from, to, "delegate to");
        checkText("description", description, maxMessageChars, false);
        context.ifPresent(c -> checkText("context", c, maxMessageChars, true));
        Instant now = now();
        Task t = new Task(newId("t_"), from, target.name(), description, context.filter(c -> !c.isBlank()),
                TaskStatus.PENDING, Optional.empty(), now, Optional.empty(), Optional.empty());
        String body = t.context().map(c -> description + "\n\nContext:\n" + c).orElse(description);
        store.addTask(t, new Outgoing(t.id(), InboxItem.TASK, from, body, null, t.id(), null, now));
        return t;
    }

    /** Only the peer a task was given to may complete it, once; its delegator hears the outcome. */
    public Task complete(String self, String taskId, TaskStatus status, String result) {
        if (status == TaskStatus.PENDING) {
            throw new MeshException("status must be completed or failed");
        }
        checkText("result", result, maxMessageChars, false);
        Task t = store.task(taskId == null ? "" : taskId.trim()).orElseThrow(() -> new MeshException(
                "No task with id '" + PeerNames.printable(String.valueOf(taskId)) + "'. Use the task_id shown with the task (it starts with 't_')."));
        if (!PeerNames.key(t.assignee()).equals(PeerNames.key(self))) {
            throw new MeshException("Task " + t.id() + " was given to '" + t.assignee() + "', not to you ('" + self
                    + "'); only '" + t.assignee() + "' can complete it.");
        }
        Instant now = now();
        Outgoing note = new Outgoing(t.id(), InboxItem.TASK_RESULT, self, result, null, t.id(), status.wire(), now);
        if (!store.completeTask(t.id(), self, status, result, note)) {
            throw new MeshException("Task " + t.id() + " is already " + store.task(t.id()).map(x -> x.status().wire()).orElse("closed")
                    + "; nothing more to do.");
        }
        return store.task(t.id()).orElseThrow();
    }

    public List<Task> tasksDelegatedBy(String self) {
        return store.tasksDelegatedBy(self);
    }

    public List<Task> tasksAssignedTo(String self) {
        return store.tasksAssignedTo(self);
    }

    /** The peer {@code to}, known to the mesh and not the sender itself. */
    private Peer existingPeer(String from, String to, String verb) {
        String problem = PeerNames.problem(to);
        if (problem != null) {
            throw new MeshException("'to' is not a valid peer name: " + problem + ". Use a name from list_peers.");
        }
        if (PeerNames.key(to).equals(PeerNames.key(from))) {
            throw new MeshException("You are '" + from + "'; a session cannot " + verb + " itself. Pick another peer from list_peers.");
        }
        return store.peer(to).orElseThrow(() -> new MeshException(
                "No peer named '" + to + "' in the mesh. Call list_peers (include_stale: true shows offline names too)."));
    }

    // ------------------------------------------------------------------ housekeeping and history

    /**
     * Marks peers whose processes are gone offline, closes questions nobody waits for, and, when
     * {@code keep} is given, prunes delivered history and long-offline peers older than that. Mail waiting
     * for a name is never removed.
     */
    public Housekeeping gc(Optional<Duration> keep) {
        Instant now = now();
        List<String> reaped = new ArrayList<>();
        for (Peer p : store.peers()) {
            // Only this host's dead processes are certain; a silent peer elsewhere may only be cut off, and is
            // shown offline while its heartbeat is late without being marked so, so it is back when it beats again.
            if (p.state() == PeerState.ACTIVE && host.equals(p.host()) && isGone(p) && store.markOffline(p.name(), now)) {
                reaped.add(p.name());
            }
        }
        int expired = 0;
        int abandoned = 0;
        for (Question q : store.pendingQuestions()) {
            if (!now.isBefore(q.expiresAt())) {
                expired += store.closeQuestion(q.id(), QuestionStatus.EXPIRED) ? 1 : 0;
            } else if (askerGone(q)) {
                abandoned += store.closeQuestion(q.id(), QuestionStatus.ABANDONED) ? 1 : 0;
            }
        }
        int pruned = keep.map(k -> store.pruneHistory(now.minus(k))).orElse(0);
        int deleted = keep.map(k -> store.deleteOfflinePeers(now.minus(k))).orElse(0);
        return new Housekeeping(reaped, expired, abandoned, pruned, deleted);
    }

    private boolean askerGone(Question q) {
        Optional<Peer> asker = store.peer(q.asker());
        if (asker.isPresent() && !host.equals(asker.get().host())) {
            return isGone(asker.get());
        }
        return q.askerProcess().isPresent() && !processes.isAlive(q.askerProcess().get());
    }

    /** The position of the newest item sent, for {@link #history}; 0 for an empty mesh. */
    public long historyEnd() {
        return store.lastSeq();
    }

    /** Replies made at or after {@code since}, oldest first. */
    public List<MeshEvent> repliesSince(Instant since) {
        return store.answersSince(since);
    }

    /** Where the mesh is, its schema, its peers by status (names in stored order) and what waits for whom. */
    public MeshStatus status() {
        Map<PeerStatus, List<String>> byStatus = new EnumMap<>(PeerStatus.class);
        for (Peer p : store.peers()) {
            byStatus.computeIfAbsent(statusOf(p), k -> new ArrayList<>()).add(p.name());
        }
        return new MeshStatus(store.where(), store.schemaVersion(), byStatus, store.waitingByRecipient());
    }

    /** Items sent after {@code afterSeq}, and replies made at or after {@code since}, in time order. */
    public List<MeshEvent> history(long afterSeq, Instant since, int limit) {
        List<MeshEvent> events = new ArrayList<>(store.itemsAfter(afterSeq, limit));

        events.addAll(store.answersSince(since));
        events.sort(java.util.Comparator.comparing(MeshEvent::at).thenComparing(MeshEvent::seq));
        return events;
    }

    // ------------------------------------------------------------------ watching the whole mesh

    /**
     * The newest {@code limit} items sent in the mesh, oldest first, each with its question or task as it stands
     * now, recipients by their names. An answer is folded into its question and a task's result into its task (a
     * question or task whose own item was pruned or is older than the window still appears, through its answer or
     * result). Reads only: a question whose asker stopped waiting is shown as expired or abandoned, as the next
     * hook or {@code gc} will record it, but not closed.
     */
    public List<ItemView> recentItems(int limit) {
        List<SentItem> sent = store.recentItems(limit);
        Map<String, String> names = new java.util.HashMap<>();
        for (Peer p : store.peers()) {
            names.put(PeerNames.key(p.name()), p.name());
        }
        // Questions and tasks shown through their own item; an answer or a result adds nothing to those.
        Set<String> shown = sent.stream().filter(i -> InboxItem.QUESTION.equals(i.kind()) || InboxItem.TASK.equals(i.kind()))
                .map(SentItem::id).collect(Collectors.toSet());
        List<ItemView> out = new ArrayList<>();
        for (SentItem i : sent) {
            List<String> to = i.recipients().stream().map(k -> names.getOrDefault(k, k)).toList();
            switch (i.kind()) {
                case InboxItem.QUESTION -> out.add(new ItemView(named(i, to), store.question(i.id()).map(this::asItStands),
                        Optional.empty()));
                case InboxItem.TASK -> out.add(new ItemView(named(i, to), Optional.empty(), store.task(i.id())));
                case InboxItem.ANSWER -> {
                    Optional<Question> q = store.question(i.id()).filter(x -> shown.add(x.id()));
                    q.ifPresent(x -> out.add(new ItemView(new SentItem(i.seq(), x.id(), InboxItem.QUESTION, x.asker(),
                            List.of(x.target()), Optional.empty(), x.body(), x.askedAt()), Optional.of(asItStands(x)),
                            Optional.empty())));
                }
                case InboxItem.TASK_RESULT -> {
                    Optional<Task> t = store.task(i.id()).filter(x -> shown.add(x.id()));
                    t.ifPresent(x -> out.add(new ItemView(new SentItem(i.seq(), x.id(), InboxItem.TASK, x.delegator(),
                            List.of(x.assignee()), Optional.empty(), x.description(), x.createdAt()), Optional.empty(), t)));
                }
                default -> out.add(new ItemView(named(i, to), Optional.empty(), Optional.empty()));
            }
        }
        return out;
    }

    private static SentItem named(SentItem i, List<String> recipients) {
        return new SentItem(i.seq(), i.id(), i.kind(), i.from(), recipients, i.topic(), i.body(), i.sentAt());
    }

    /**
     * Where item {@code itemId} stands for {@code recipient}: queued, offered, and for a question or task how it
     * ended (answered; expired, cancelled or abandoned; completed or failed). For a question, the asker's receipt
     * is that of the answer; for a task, the delegator's receipt is that of the task's result. Empty when the item
     * was not addressed to that recipient, or is no longer kept. Reads only.
     */
    public Optional<Receipt> receipt(String itemId, String recipient) {
        Optional<MeshStore.InboxEntry> entry = store.inboxEntry(itemId, recipient);
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        MeshStore.InboxEntry e = entry.get();
        if (InboxItem.QUESTION.equals(e.kind())) {
            Optional<Receipt> ended = store.question(itemId).flatMap(q -> questionEnd(q, recipient));
            if (ended.isPresent()) {
                return ended;
            }
        } else if (InboxItem.TASK.equals(e.kind())) {
            Optional<Task> t = store.task(itemId).filter(x -> x.status() != TaskStatus.PENDING);
            if (t.isPresent()) {
                return Optional.of(new Receipt(recipient, t.get().status().wire(), t.get().completedAt()));
            }
        }
        return Optional.of(e.deliveredAt().isPresent()
                ? new Receipt(recipient, Receipt.OFFERED, e.deliveredAt())
                : new Receipt(recipient, Receipt.QUEUED, Optional.of(e.queuedAt())));
    }

    /** How a question ended for its target, as it stands now; empty while it is open. */
    private Optional<Receipt> questionEnd(Question stored, String recipient) {
        Question q = asItStands(stored);
        return switch (q.status()) {
            case PENDING -> Optional.empty();
            case ANSWERED -> Optional.of(new Receipt(recipient, Receipt.ANSWERED, q.answeredAt()));
            case EXPIRED -> Optional.of(new Receipt(recipient, q.status().wire(), Optional.of(q.expiresAt())));
            case CANCELLED, ABANDONED -> Optional.of(new Receipt(recipient, q.status().wire(), Optional.empty()));
        };
    }

    /**
     * A question as it stands now, judged without closing anything: a pending one whose time ran out is expired,
     * one whose asker is gone abandoned, as the next hook or {@code gc} will record it.
     */
    private Question asItStands(Question q) {
        if (q.status() != QuestionStatus.PENDING) {
            return q;
        }
        QuestionStatus now = !now().isBefore(q.expiresAt()) ? QuestionStatus.EXPIRED
                : askerGone(q) ? QuestionStatus.ABANDONED : QuestionStatus.PENDING;
        return now == QuestionStatus.PENDING ? q : new Question(q.id(), q.asker(), q.askerProcess(), q.target(), q.body(),
                now, q.askedAt(), q.expiresAt(), q.answer(), q.answeredAt(), q.namedAt());
    }

    // ------------------------------------------------------------------ helpers

    private void checkText(String what, String text, int max, boolean emptyOk) {
        if (text == null || (!emptyOk && text.isBlank())) {
            throw new MeshException(what + " is empty; write the text to send.");
        }
        if (text.length() > max) {
            throw new MeshException(what + " is " + text.length() + " characters, over the limit of " + max
                    + " (MESH_MAX_MESSAGE_CHARS); shorten it or send a file path instead.");
        }
    }

    private synchronized String newId(String prefix) {
        if (random == null) {
            random = new SecureRandom();
        }
        byte[] b = new byte[6];
        random.nextBytes(b);
        return prefix + java.util.HexFormat.of().formatHex(b);
    }

    public Instant now() {
        return clock.instant();
    }
}
