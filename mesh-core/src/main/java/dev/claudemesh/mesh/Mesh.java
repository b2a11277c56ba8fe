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
    private final Inbox inbox;
    private final Claims claims;
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
        this(store, processes, clock, host, maxMessageChars, heartbeatTimeout, SeenLog.NONE);
    }

    /**
     * @param seenLog where proof that a session's model saw an item is found (Claude Code's transcripts); the
     *                composition roots pass it, since reading it is the hook package's business
     */
    public Mesh(MeshStore store, Processes processes, Clock clock, String host, int maxMessageChars, Duration heartbeatTimeout,
                SeenLog seenLog) {
        this.store = store;
        this.processes = processes;
        this.clock = clock;
        this.host = host;
        this.maxMessageChars = maxMessageChars;
        this.heartbeatTimeout = heartbeatTimeout;
        this.inbox = new Inbox(store, seenLog, clock);
        this.claims = new Claims(store, this, processes);
    }

    /** A mesh on {@code store} configured as {@code config} says, for this process on this host. */
    public static Mesh of(MeshStore store, dev.claudemesh.config.MeshConfig config) {
        return of(store, config, Processes.LOCAL);
    }

    /** As {@link #of(MeshStore, dev.claudemesh.config.MeshConfig)}, judging processes through {@code processes}. */
    public static Mesh of(MeshStore store, dev.claudemesh.config.MeshConfig config, Processes processes) {
        return of(store, config, processes, SeenLog.NONE);
    }

    /** As above, finding proof of what sessions saw in {@code seenLog}. */
    public static Mesh of(MeshStore store, dev.claudemesh.config.MeshConfig config, Processes processes, SeenLog seenLog) {
        return new Mesh(store, processes, Clock.systemUTC(), config.host(), config.maxMessageChars(),
                config.heartbeatTimeout(), seenLog);
    }

    /** The peer named {@code name}, as stored. */
    public Optional<Peer> peer(String name) {
        return store.peer(name);
    }

    /** The owner of delivery state: every path that hands items to a session goes through it. */
    public Inbox inbox() {
        return inbox;
    }

    /** File leases: who holds which paths of a repository, and whether an edit may go ahead. */
    public Claims claims() {
        return claims;
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
     * An MCP server joins: it takes its project's name or, when a live session elsewhere holds it, the next
     * numbered one. The server is the only process that claims a name for a session; the session's hooks find
     * the row it made (see {@link #sessionPeer}).
     */
    public Peer joinAsServer(ProjectIdentity id) {
        ProcessRef self = processes.self();
        ProcessRef claude = processes.parent().orElse(null);
        PeerClaim claim = new PeerClaim(id.projectPath().toString(), id.gitRoot().toString(), host, null, null,
                self, claude, now());
        return store.claimName(candidates(id.baseName()), claim, row -> heldAgainstServer(row, self));
    }

    /** Whether {@code row} belongs to a live session other than this server's. */
    private boolean heldAgainstServer(Peer row, ProcessRef self) {
        if (row.state() == PeerState.OFFLINE || isGone(row)) {
            return false;
        }
        // A pid names a process only on its own host; another host's server with our pid is not us.
        return row.server().map(s -> s.pid() != self.pid() || !host.equals(row.host())).orElse(true);
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
     * The name the command line speaks as on this host: {@code cli@HOST}. A peer name may not hold '@', so no
     * project or session can ever have it, and every command-line process on the host shares it, so commands
     * in several terminals never compete for a name.
     */
    public String commandLineName() {
        String h = host.replaceAll("[^A-Za-z0-9.-]+", "-");
        String name = "cli@" + (h.isEmpty() ? "localhost" : h);
        return name.length() > PeerNames.MAX_LENGTH ? name.substring(0, PeerNames.MAX_LENGTH) : name;
    }

    /**
     * Records {@link #commandLineName} for this process while it waits for an answer, so that sessions on
     * other hosts (a PostgreSQL mesh), which judge an asker by its row's heartbeat, see it alive; on this host
     * they check the question's own asker process. Never held against another command-line process: the
     * latest one records itself, and the name goes offline when that one leaves ({@link #leaveAsServer}).
     */
    public Peer joinAsCommandLine(ProjectIdentity id) {
        PeerClaim claim = new PeerClaim(id.projectPath().toString(), id.gitRoot().toString(), host,
                "claude-mesh command line", null, processes.self(), processes.parent().orElse(null), now());
        return store.claimName(List.of(commandLineName()), claim, row -> false);
    }

    /**
     * The command line speaking as {@code name} ({@code --as}): refused while a session that may be live
     * (active or stale) holds it, and nothing of the name's record (project, summary, processes) is written.
     *
     * @return the name as the stored peer spells it, or as given when no peer has it
     */
    public String speakAs(String name) {
        String problem = PeerNames.problem(name);
        if (problem != null) {
            throw new MeshException(problem);
        }
        Optional<Peer> existing = store.peer(name);
        if (existing.isPresent() && statusOf(existing.get()) != PeerStatus.OFFLINE) {
            throw new MeshException("a session that may be live holds '" + existing.get().name() + "'; pick a name "
                    + "no live session has");
        }
        return existing.map(Peer::name).orElse(name);
    }

    /**
     * A process that is not a Claude Code session (the benchmark's stand-in peers) takes {@code name}, so peers see who sent
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
     * The Claude Code process of the session this (hook) process belongs to: its nearest ancestor with a
     * claude-mesh server among its children. Claude Code starts a session's MCP server as its own child and runs
     * its hooks below it too; the nearest such ancestor, not just any, so that a session started from inside
     * another session (claude -p in a Bash tool) is not taken for the outer one.
     */
    public Optional<ProcessRef> sessionProcess() {
        for (ProcessRef a : processes.ancestors()) {
            if (processes.runsServerChild(a)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /**
     * Which peer a hook process belongs to: the live row whose server was started by this hook's session
     * process ({@link #sessionProcess}) for the hook's project. A session without a running claude-mesh server
     * has none. The project must match too: Claude Code gives a session's server and its hooks the same
     * CLAUDE_PROJECT_DIR, and a process that starts several sessions' servers (a test harness standing in for
     * Claude Code) must not hand one project's mail to another's hook.
     */
    public Optional<Peer> sessionPeer(ProjectIdentity id) {
        return sessionProcess().flatMap(claude -> peerOfSession(claude, id));
    }

    private Optional<Peer> peerOfSession(ProcessRef claude, ProjectIdentity id) {
        String project = id.projectPath().toString();
        return store.peers().stream()
                .filter(p -> host.equals(p.host()) && p.projectPath().equals(project)
                        && p.claude().map(c -> sameProcess(c, claude)).orElse(false))
                .filter(p -> statusOf(p) != PeerStatus.OFFLINE)
                .min(java.util.Comparator.comparing(Peer::registeredAt));
    }

    /**
     * SessionStart: Claude Code starts the session's server and this hook at the same moment, so the server
     * may not have joined yet. Waits up to {@code wait} for the row of this session's server; gives up sooner,
     * after {@link #NO_SERVER_GRACE}, when no server is starting at all. Records the session id on the row.
     */
    public Optional<Peer> startSession(ProjectIdentity id, String sessionId, Duration wait) {
        // Real time, not the mesh's clock: this is a wait for another process, however the clock is set.
        long start = System.nanoTime();
        long counter = Long.MIN_VALUE;
        Optional<ProcessRef> claude = Optional.empty();
        while (true) {
            if (claude.isEmpty()) {
                claude = sessionProcess();
            }
            long c = store.changeCounter();
            if (claude.isPresent() && c != counter) {
                counter = c;
                Optional<Peer> mine = peerOfSession(claude.get(), id);
                if (mine.isPresent()) {
                    if (sessionId != null && !sessionId.equals(mine.get().sessionId().orElse(null))) {
                        try {
                            store.recordSession(mine.get().name(), sessionId, now());
                            return store.peer(mine.get().name()).or(() -> mine);
                        } catch (StoreException busy) {
                            // The name is what the session must hear; its next prompt records the session id.
                        }
                    }
                    return mine;
                }
            }
            long waited = System.nanoTime() - start;
            if (waited >= wait.toNanos() || claude.isEmpty() && waited >= NO_SERVER_GRACE.toNanos()) {
                return Optional.empty();
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    /** How long SessionStart looks for a claude-mesh server starting in its session before deciding it has none. */
    public static final Duration NO_SERVER_GRACE = Duration.ofSeconds(3);

    /**
     * Keeps the recorded session id current when a hook of this peer's session reports another one (after
     * /clear or /resume), so SessionEnd matches later.
     */
    public void confirmSession(Peer peer, String sessionId) {
        if (sessionId != null && !sessionId.equals(peer.sessionId().orElse(null))) {
            store.recordSession(peer.name(), sessionId, now());
        }
    }

    /**
     * SessionEnd: the peer whose recorded session id is {@code sessionId} goes offline, unless its server still
     * runs: Claude Code stops the server before SessionEnd when the process exits (and the server leaves the mesh
     * itself), while after /clear or /resume the same process and server go on under a new session id.
     *
     * @return the peer that went offline, if any
     */
    public Optional<String> endSession(String sessionId) {
        for (Peer p : store.peers()) {
            if (sessionId.equals(p.sessionId().orElse(null)) && p.state() == PeerState.ACTIVE && host.equals(p.host())
                    && isGone(p) && store.endSession(p.name(), sessionId, now())) {
                return Optional.of(p.name());
            }
        }
        return Optional.empty();
    }

    private static boolean sameProcess(ProcessRef a, ProcessRef b) {
        return a.pid() == b.pid() && (a.startedAtMs() == 0 || b.startedAtMs() == 0 || Processes.sameStart(a.startedAtMs(), b.startedAtMs()));
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
     * A peer on this host whose recorded server (or, lacking one, Claude Code) process is gone, or that records
     * no process at all (a row an older version's SessionStart hook made); or a peer on another host whose last
     * heartbeat is older than the heartbeat timeout.
     */
    private boolean isGone(Peer p) {
        if (!host.equals(p.host())) {
            return p.lastSeen().isBefore(now().minus(heartbeatTimeout));
        }
        Optional<ProcessRef> proc = p.server().or(p::claude);
        return proc.isEmpty() || !processes.isAlive(proc.get());
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
        return store.closeQuestion(q.id(), QuestionStatus.CANCELLED, now());
    }

    /**
     * How {@code q} ended, if it has: for its asker, as the store recorded it. An answer returned this way is the
     * answer's delivery, so its inbox item (see {@link MeshStore#answer}) is seen (a tool result going back to
     * the live session) and not shown again.
     */
    Optional<AskOutcome> settled(Question q) {
        Question cur = store.question(q.id()).orElseThrow();
        return switch (cur.status()) {
            case PENDING -> Optional.empty();
            case ANSWERED -> {
                inbox.seenInToolResult(cur.asker(), List.of(cur.id()));
                yield Optional.of(new AskOutcome(AskOutcome.ANSWERED, cur.id(), cur.target(), cur.answer()));
            }
            case CANCELLED -> Optional.of(new AskOutcome(AskOutcome.CANCELLED, cur.id(), cur.target(), Optional.empty()));
            default -> Optional.of(new AskOutcome(AskOutcome.TIMED_OUT, cur.id(), cur.target(), Optional.empty()));
        };
    }

    /** Closes a question the asker stops waiting for, unless another outcome (an answer) got there first. */
    AskOutcome endWait(Question q, QuestionStatus closeAs, String outcome) {
        if (store.closeQuestion(q.id(), closeAs, now())) {
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

    /** Question {@code id}, whoever asked it: for the command line, which answers as the peer it was asked of. */
    public Question question(String id) {
        String wanted = id == null ? "" : id.trim();
        return store.question(wanted).orElseThrow(() -> new MeshException(
                "No question with id '" + PeerNames.printable(wanted) + "'. Use the id shown with the question (it starts with 'q_')."));
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
            store.closeQuestion(q.id(), QuestionStatus.EXPIRED, now()); // its asker stopped waiting, even if it could not say so
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
                store.closeQuestion(q.id(), QuestionStatus.EXPIRED, now());
            } else if (askerGone(q)) {
                store.closeQuestion(q.id(), QuestionStatus.ABANDONED, now());
            } else {
                open.add(q);
            }
        }
        return open;
    }

    // ------------------------------------------------------------------ delivery

    /** How many items {@code self}'s model has not seen yet (queued or offered), counting at most 100,000. */
    public int waitingCount(String self) {
        return inbox.unseen(self, 100_000);
    }

    /**
     * What every path does before it offers anything to {@code self}: questions nobody waits for any more are
     * closed (they are not worth the model's attention), and what was offered before is settled against its
     * proof ({@link Inbox#reconcile}), as seen from the session whose transcript is {@code log}.
     */
    public Inbox.Reconciled settle(String self, Optional<String> log) {
        openQuestionsFor(self);
        return inbox.reconcile(self, log);
    }

    /** Records where the session of peer {@code self} keeps its transcript (from its hooks' input). */
    public void recordTranscript(Peer self, Optional<String> path) {
        if (path.isPresent() && !path.get().isBlank() && !path.equals(self.transcript())) {
            try {
                store.recordTranscript(self.name(), path.get(), now());
            } catch (StoreException busy) {
                // Recorded by the next hook of this session; offers made meanwhile carry the path themselves.
            }
        }
    }

    /**
     * A watch on this mesh's commits, for a process that waits for something to change; checked every
     * {@code intervalMs} on a file (a PostgreSQL mesh is told of each commit instead).
     */
    public ChangeWatch watchChanges(long intervalMs) {
        return ChangeWatch.on(store, intervalMs);
    }

    /**
     * The Stop rule: while questions wait for this peer's answer, or tasks given to it are still pending, it
     * must not go idle. It never blocks twice for the same things within one stop sequence: when Claude Code
     * says this stop already follows a block ({@code stopHookActive}) and every open item was named before,
     * the session may stop.
     */
    public StopVerdict stopVerdict(String self, boolean stopHookActive, Optional<String> log,
                                   java.util.function.Function<List<InboxItem>, Inbox.Fitted> fit) {
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
        // Those not yet shown are offered with this stop; those on their way by another path (a channel event
        // Claude Code has queued for the next turn) are left to it; the rest, shown before, are named by id.
        Inbox.Batch shown = inbox.offerNext(self, Inbox.VIA_STOP, log, List.of(InboxItem.QUESTION, InboxItem.TASK),
                STOP_BATCH, fit);
        Set<String> elsewhere = new java.util.HashSet<>();
        inbox.openOffers(self).values().stream()
                .filter(o -> Inbox.VIA_CHANNEL.equals(o.via()) || Inbox.VIA_WAKE.equals(o.via()))
                .forEach(o -> elsewhere.add(o.id()));
        shown.items().forEach(i -> elsewhere.remove(i.id()));
        Set<String> shownIds = shown.items().stream().map(InboxItem::id).collect(Collectors.toSet());
        List<Question> remind = open.stream().filter(q -> !shownIds.contains(q.id()) && !elsewhere.contains(q.id())).toList();
        List<Task> remindTasks = tasks.stream().filter(t -> !shownIds.contains(t.id()) && !elsewhere.contains(t.id())).toList();
        if (shown.isEmpty() && remind.isEmpty() && remindTasks.isEmpty()) {
            return StopVerdict.ALLOW;
        }
        Instant now = now();
        store.markNamed(open.stream().map(Question::id).toList(), now);
        store.markTasksNamed(tasks.stream().map(Task::id).toList(), now);
        return new StopVerdict(true, shown, remind, remindTasks);
    }

    /** At most this many questions and tasks are framed by one Stop; the rest are named by id. */
    static final int STOP_BATCH = 20;

    /**
     * Where item {@code id} stands for each recipient. Only its sender and its recipients may look: receipts
     * say who was told what, when.
     */
    public ItemStatus itemStatus(String self, String id) {
        String wanted = id == null ? "" : id.trim();
        List<Receipt> receipts = inbox.receipts(wanted);
        if (receipts.isEmpty()) {
            throw new MeshException("No item with id '" + PeerNames.printable(wanted) + "'. Use the id a send returned "
                    + "(message_id, question_id, task_id, broadcast_id).");
        }
        String me = PeerNames.key(self);
        boolean involved = PeerNames.key(receipts.get(0).sender()).equals(me)
                || receipts.stream().anyMatch(r -> PeerNames.key(r.recipient()).equals(me));
        if (!involved) {
            throw new MeshException("Item " + wanted + " was sent by '" + receipts.get(0).sender()
                    + "'; only its sender and its recipients can see its status.");
        }
        Optional<Question> q = InboxItem.QUESTION.equals(receipts.get(0).kind()) ? store.question(wanted) : Optional.empty();
        Optional<Task> t = InboxItem.TASK.equals(receipts.get(0).kind()) ? store.task(wanted) : Optional.empty();
        List<ItemStatus.Recipient> out = new ArrayList<>();
        String kind = receipts.get(0).kind();
        for (Receipt r : receipts) {
            if (!r.kind().equals(kind)) {
                continue; // a question's answer shares its id: that row is the asker's mail, not a recipient of the question
            }
            String state = r.state();
            Optional<Instant> ended = Optional.empty();
            if (q.isPresent() && q.get().status() != QuestionStatus.PENDING) {
                state = q.get().status().wire();
                ended = q.get().answeredAt().isPresent() ? q.get().answeredAt() : Optional.empty();
            } else if (t.isPresent() && t.get().status() != TaskStatus.PENDING) {
                state = t.get().status().wire();
                ended = t.get().completedAt();
            }
            out.add(new ItemStatus.Recipient(r.recipient(), state, r.queuedAt(), r.offeredAt(), r.offeredVia(),
                    r.seenAt(), r.seenVia(), ended));
        }
        return new ItemStatus(wanted, receipts.get(0).kind(), receipts.get(0).sender(), out);
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
        Predicate<Peer> held = row -> heldAgainstServer(row, me);
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
                expired += store.closeQuestion(q.id(), QuestionStatus.EXPIRED, now()) ? 1 : 0;
            } else if (askerGone(q)) {
                abandoned += store.closeQuestion(q.id(), QuestionStatus.ABANDONED, now()) ? 1 : 0;
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
     * The newest {@code limit} items sent in the mesh, oldest first, each with its receipts and its question or task
     * as it stands now, recipients by their names (see {@link WholeMeshReads}). An answer is folded into its question
     * and a task's result into its task. Reads only.
     */
    public List<ItemView> recentItems(int limit) {
        return new WholeMeshReads(store, now(), this::askerGone).recentItems(limit);
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
