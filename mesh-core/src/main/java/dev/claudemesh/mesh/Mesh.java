package dev.claudemesh.mesh;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.identity.ProjectIdentity;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The mesh's rules, behind one door: who a process is, who is online, who may answer what, what counts as
 * delivered, and when a session must not go idle. Tools, hooks and the CLI call these methods and render the
 * results; none of them decide anything themselves.
 *
 * <p>This class only delegates. Each concern has a class of its own, all sharing one {@link MeshContext}:
 * {@link Presence} (names and liveness), {@link Sessions} (which session a hook belongs to), {@link Questions},
 * {@link Messages}, {@link Tasks}, {@link Inbox} (the one owner of delivery state), {@link StopRule},
 * {@link History}, {@link Housekeeping} and {@link Claims} (file leases).
 */
public final class Mesh {
    public static final Duration STALE_AFTER = Presence.STALE_AFTER;
    /**
     * How long a question stays open when its asker gives no timeout_seconds: long past one ask_peer call (which
     * returns {@code waiting} before Claude Code would move it to the background), so a busy peer can still
     * answer and the answer reaches the asker's inbox. The ask tool, the CLI and the docs all take it from here.
     */
    public static final int DEFAULT_ASK_TIMEOUT_SECONDS = Questions.DEFAULT_ASK_TIMEOUT_SECONDS;
    public static final Duration DEFAULT_ASK_TIMEOUT = Duration.ofSeconds(DEFAULT_ASK_TIMEOUT_SECONDS);
    public static final int MAX_ASK_TIMEOUT_SECONDS = Questions.MAX_ASK_TIMEOUT_SECONDS;
    /** How many sessions of one project may hold numbered names (backend, backend-2, ...). */
    static final int MAX_SESSIONS_PER_NAME = Presence.MAX_SESSIONS_PER_NAME;
    /** How long SessionStart looks for a claude-mesh server starting in its session before deciding it has none. */
    public static final Duration NO_SERVER_GRACE = Sessions.NO_SERVER_GRACE;
    /** At most this many questions and tasks are framed by one Stop; the rest are named by id. */
    static final int STOP_BATCH = StopRule.STOP_BATCH;

    private final MeshContext ctx;
    private final Inbox inbox;
    private final Presence presence;
    private final Sessions sessions;
    private final Questions questions;
    private final Messages messages;
    private final Tasks tasks;
    private final StopRule stopRule;
    private final History history;
    private final Housekeeping housekeeping;
    private final Claims claims;

    public Mesh(MeshStore store, Processes processes, Clock clock, String host, int maxMessageChars) {
        this(store, processes, clock, host, maxMessageChars, Duration.ofSeconds(
                MeshConfig.DEFAULT_HEARTBEAT_SECONDS + MeshConfig.DEFAULT_HEARTBEAT_GRACE_SECONDS));
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
        this.ctx = new MeshContext(store, processes, clock, host, maxMessageChars, heartbeatTimeout);
        this.inbox = new Inbox(store, seenLog, clock);
        this.presence = new Presence(ctx);
        this.sessions = new Sessions(ctx, presence);
        this.questions = new Questions(ctx, presence, inbox);
        this.messages = new Messages(ctx, presence);
        this.tasks = new Tasks(ctx, presence);
        this.stopRule = new StopRule(ctx, questions, tasks, inbox);
        this.history = new History(ctx, inbox);
        this.housekeeping = new Housekeeping(ctx, presence, questions);
        this.claims = new Claims(store, this, processes);
    }

    /** A mesh on {@code store} configured as {@code config} says, for this process on this host. */
    public static Mesh of(MeshStore store, MeshConfig config) {
        return of(store, config, Processes.LOCAL);
    }

    /** As {@link #of(MeshStore, MeshConfig)}, judging processes through {@code processes}. */
    public static Mesh of(MeshStore store, MeshConfig config, Processes processes) {
        return of(store, config, processes, SeenLog.NONE);
    }

    /** As above, finding proof of what sessions saw in {@code seenLog}. */
    public static Mesh of(MeshStore store, MeshConfig config, Processes processes, SeenLog seenLog) {
        return new Mesh(store, processes, Clock.systemUTC(), config.host(), config.maxMessageChars(),
                config.heartbeatTimeout(), seenLog);
    }

    /** The owner of delivery state: every path that hands items to a session goes through it. */
    public Inbox inbox() {
        return inbox;
    }

    /** File leases: who holds which paths of a repository, and whether an edit may go ahead. */
    public Claims claims() {
        return claims;
    }

    /** The questions part, for {@link AnswerWaits}, which waits on their outcomes. */
    Questions questions() {
        return questions;
    }

    /** The host name this process records and judges others by. */
    public String host() {
        return ctx.host;
    }

    /**
     * The store this mesh runs on. Adapters never use it (LayeringTest holds them to the domain's methods); it
     * stays for the domain's own classes and tests.
     */
    public MeshStore store() {
        return ctx.store;
    }

    public Instant now() {
        return ctx.now();
    }

    // ------------------------------------------------------------------ identity and presence (Presence)

    /** The peer named {@code name}, as stored. */
    public Optional<Peer> peer(String name) {
        return presence.peer(name);
    }

    /**
     * An MCP server joins: it takes its project's name or, when a live session elsewhere holds it, the next
     * numbered one. The server is the only process that claims a name for a session; the session's hooks find
     * the row it made (see {@link #sessionPeer}).
     */
    public Peer joinAsServer(ProjectIdentity id) {
        return presence.joinAsServer(id);
    }

    /** The server re-announces itself (the register tool): active again, with a new summary if given. */
    public Peer register(String self, ProjectIdentity id, Optional<String> summary) {
        return presence.register(self, id, summary);
    }

    /** Heartbeat: the server is alive and responsive. */
    public void heartbeat(String self) {
        presence.heartbeat(self);
    }

    /**
     * The name the command line speaks as on this host: {@code cli@HOST}. A peer name may not hold '@', so no
     * project or session can ever have it, and every command-line process on the host shares it, so commands
     * in several terminals never compete for a name.
     */
    public String commandLineName() {
        return presence.commandLineName();
    }

    /**
     * Records {@link #commandLineName} for this process while it waits for an answer, so that sessions on
     * other hosts (a PostgreSQL mesh), which judge an asker by its row's heartbeat, see it alive; on this host
     * they check the question's own asker process. Never held against another command-line process: the
     * latest one records itself, and the name goes offline when that one leaves ({@link #leaveAsServer}).
     */
    public Peer joinAsCommandLine(ProjectIdentity id) {
        return presence.joinAsCommandLine(id);
    }

    /**
     * The command line speaking as {@code name} ({@code --as}): refused while a session that may be live
     * (active or stale) holds it, and nothing of the name's record (project, summary, processes) is written.
     *
     * @return the name as the stored peer spells it, or as given when no peer has it
     */
    public String speakAs(String name) {
        return presence.speakAs(name);
    }

    /**
     * A process that is not a Claude Code session (the benchmark's stand-in peers) takes {@code name}, so peers see who sent
     * what and can write back (to a queue, once it has exited). Refused when a live session's server holds the
     * name; any other holder (an offline row, an earlier command line) gives it up.
     */
    public Peer joinAs(String name, ProjectIdentity id, String summary) {
        return presence.joinAs(name, id, summary);
    }

    /**
     * Whether the session that holds {@code name} is still there: not offline (SessionEnd, or its processes
     * gone) and, when {@code sessionId} is given, still that session (another has not taken the name).
     */
    public boolean sessionGoesOn(String name, String sessionId) {
        return presence.sessionGoesOn(name, sessionId);
    }

    /** The server is shutting down: offline, unless another process has taken the name meanwhile. */
    public void leaveAsServer(String self) {
        presence.leaveAsServer(self);
    }

    /** Active, stale or offline, worked out now from the stored state, the processes and the last sighting. */
    public PeerStatus statusOf(Peer p) {
        return presence.statusOf(p);
    }

    /**
     * The live peer of another project holding {@code name}, if any. A session starting in {@code projectPath}
     * and asking for that name gets a numbered one instead ({@code name-2}), so the name is taken for it.
     */
    public Optional<Peer> holderElsewhere(String name, String projectPath) {
        return presence.holderElsewhere(name, projectPath);
    }

    /** Every peer the mesh knows, with its status now (the command line's list). */
    public List<PeerView> allPeers() {
        return presence.allPeers();
    }

    public List<PeerView> listPeers(String self, ProjectIdentity selfId, PeerScope scope, boolean includeStale) {
        return presence.listPeers(self, selfId, scope, includeStale);
    }

    /**
     * The session takes another name (a role such as {@code planner}) for as long as it lives. The name it
     * had is released at once (offline, free for others; mail sent to it stays with it).
     */
    public Peer rename(String self, ProjectIdentity id, String newName) {
        return presence.rename(self, id, newName);
    }

    public Peer setSummary(String self, String summary) {
        return presence.setSummary(self, summary);
    }

    // ------------------------------------------------------------------ sessions (Sessions)

    /**
     * The Claude Code process of the session this (hook) process belongs to: its nearest ancestor with a
     * claude-mesh server among its children. Claude Code starts a session's MCP server as its own child and runs
     * its hooks below it too; the nearest such ancestor, not just any, so that a session started from inside
     * another session (claude -p in a Bash tool) is not taken for the outer one.
     */
    public Optional<ProcessRef> sessionProcess() {
        return sessions.sessionProcess();
    }

    /**
     * Which peer a hook process belongs to: the live row whose server was started by this hook's session
     * process ({@link #sessionProcess}) for the hook's project. A session without a running claude-mesh server
     * has none. The project must match too: Claude Code gives a session's server and its hooks the same
     * CLAUDE_PROJECT_DIR, and a process that starts several sessions' servers (a test harness standing in for
     * Claude Code) must not hand one project's mail to another's hook.
     */
    public Optional<Peer> sessionPeer(ProjectIdentity id) {
        return sessions.sessionPeer(id);
    }

    /**
     * SessionStart: Claude Code starts the session's server and this hook at the same moment, so the server
     * may not have joined yet. Waits up to {@code wait} for the row of this session's server; gives up sooner,
     * after {@link #NO_SERVER_GRACE}, when no server is starting at all. Records the session id on the row.
     */
    public Optional<Peer> startSession(ProjectIdentity id, String sessionId, Duration wait) {
        return sessions.startSession(id, sessionId, wait);
    }

    /**
     * Keeps the recorded session id current when a hook of this peer's session reports another one (after
     * /clear or /resume), so SessionEnd matches later.
     */
    public void confirmSession(Peer peer, String sessionId) {
        sessions.confirmSession(peer, sessionId);
    }

    /**
     * SessionEnd: the peer whose recorded session id is {@code sessionId} goes offline, unless its server still
     * runs: Claude Code stops the server before SessionEnd when the process exits (and the server leaves the mesh
     * itself), while after /clear or /resume the same process and server go on under a new session id.
     *
     * @return the peer that went offline, if any
     */
    public Optional<String> endSession(String sessionId) {
        return sessions.endSession(sessionId);
    }

    /** Records where the session of peer {@code self} keeps its transcript (from its hooks' input). */
    public void recordTranscript(Peer self, Optional<String> path) {
        sessions.recordTranscript(self, path);
    }

    // ------------------------------------------------------------------ questions (Questions)

    /** Records a question from {@code from} to {@code to}; fails at once when the target cannot answer. */
    public Question ask(String from, String to, String text, Duration timeout) {
        return questions.ask(from, to, text, timeout, id -> { });
    }

    /**
     * As {@link #ask(String, String, String, Duration)}, calling {@code beforeStored} with the question's id
     * once it is checked and before it is stored, that is before anyone can answer it.
     */
    Question ask(String from, String to, String text, Duration timeout, Consumer<String> beforeStored) {
        return questions.ask(from, to, text, timeout, beforeStored);
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
            } catch (ExecutionException e) {
                throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
            }
        }
    }

    /**
     * The asker gives up on {@code q} (Ctrl-C in {@code claude-mesh ask}): cancelled, unless it was answered or
     * closed first. Says whether it was this call that cancelled it.
     */
    public boolean cancel(Question q) {
        return questions.cancel(q);
    }

    /**
     * How {@code q} ended, if it has: for its asker, as the store recorded it. An answer returned this way is the
     * answer's delivery, so its inbox item (see {@link MeshStore#answer}) is seen (a tool result going back to
     * the live session) and not shown again.
     */
    Optional<AskOutcome> settled(Question q) {
        return questions.settled(q);
    }

    /** Closes a question the asker stops waiting for, unless another outcome (an answer) got there first. */
    AskOutcome endWait(Question q, QuestionStatus closeAs, String outcome) {
        return questions.endWait(q, closeAs, outcome);
    }

    /** Whether the peer {@code target} can no longer answer: unknown, or offline by {@link #statusOf}. */
    boolean targetGone(String target) {
        return presence.gone(target);
    }

    /**
     * Question {@code id}, for its asker to wait on again ({@code await_answer}). Only the peer that asked may:
     * the answer is its mail.
     */
    public Question ownQuestion(String self, String id) {
        return questions.ownQuestion(self, id);
    }

    /** Question {@code id}, whoever asked it: for the command line, which answers as the peer it was asked of. */
    public Question question(String id) {
        String wanted = id == null ? "" : id.trim();
        return ctx.store.question(wanted).orElseThrow(() -> new MeshException(
                "No question with id '" + dev.claudemesh.identity.PeerNames.printable(wanted) + "'. Use the id shown with the question (it starts with 'q_')."));
    }

    /** {@code self} answers question {@code id}. Only the peer asked may answer, and only once. */
    public Question reply(String self, String id, String answer) {
        return questions.reply(self, id, answer);
    }

    /**
     * Questions waiting for {@code self}'s answer. Those whose asker's time ran out, or whose asking process
     * died, are closed on the way (expired, abandoned) and left out: nobody waits for them any more.
     */
    public List<Question> openQuestionsFor(String self) {
        return questions.openQuestionsFor(self);
    }

    // ------------------------------------------------------------------ delivery (Inbox, StopRule)

    /** How many items {@code self}'s model has not seen yet (queued or offered), counting at most 100,000. */
    public int waitingCount(String self) {
        return inbox.unseen(self, 100_000);
    }

    /**
     * Whether anything waits for {@code self}: a pending question to it or an open inbox item. When not,
     * {@link #settle} and offering find nothing, so a path that would only do those can stop here.
     */
    public boolean hasOpenItems(String self) {
        return ctx.store.hasOpenItems(self);
    }

    /**
     * What every path does before it offers anything to {@code self}: questions nobody waits for any more are
     * closed (they are not worth the model's attention), and what was offered before is settled against its
     * proof ({@link Inbox#reconcile}), as seen from the session whose transcript is {@code log}.
     */
    public Inbox.Reconciled settle(String self, Optional<String> log) {
        questions.openQuestionsFor(self);
        return inbox.reconcile(self, log);
    }

    /**
     * A watch on this mesh's commits, for a process that waits for something to change; checked every
     * {@code intervalMs} on a file (a PostgreSQL mesh is told of each commit instead).
     */
    public ChangeWatch watchChanges(long intervalMs) {
        return ChangeWatch.on(ctx.store, intervalMs);
    }

    /**
     * The Stop rule: while questions wait for this peer's answer, or tasks given to it are still pending, it
     * must not go idle. It never blocks twice for the same things within one stop sequence: when Claude Code
     * says this stop already follows a block ({@code stopHookActive}) and every open item was named before,
     * the session may stop.
     */
    public StopVerdict stopVerdict(String self, boolean stopHookActive, Optional<String> log,
                                   Function<List<InboxItem>, Inbox.Fitted> fit) {
        return stopRule.verdict(self, stopHookActive, log, fit);
    }

    /**
     * Where item {@code id} stands for each recipient. Only its sender and its recipients may look: receipts
     * say who was told what, when.
     */
    public ItemStatus itemStatus(String self, String id) {
        return history.itemStatus(self, id);
    }

    // ------------------------------------------------------------------ messages and topics (Messages)

    /** A one-way message. To a peer that is offline it waits, and reaches the next session with that name. */
    public Delivery tell(String from, String to, String message) {
        return messages.tell(from, to, message);
    }

    /**
     * Without a topic: to every active peer but the sender. With one: to its subscribers but the sender,
     * online or not (it waits for those offline).
     */
    public Delivery broadcast(String from, String message, Optional<String> topic) {
        return messages.broadcast(from, message, topic);
    }

    public List<String> subscribe(String self, String topic) {
        return messages.subscribe(self, topic);
    }

    public List<String> unsubscribe(String self, String topic) {
        return messages.unsubscribe(self, topic);
    }

    public List<String> topics(String self) {
        return messages.topics(self);
    }

    static void checkTopic(String topic) {
        Messages.checkTopic(topic);
    }

    // ------------------------------------------------------------------ tasks (Tasks)

    public Task delegate(String from, String to, String description, Optional<String> context) {
        return tasks.delegate(from, to, description, context);
    }

    /** Only the peer a task was given to may complete it, once; its delegator hears the outcome. */
    public Task complete(String self, String taskId, TaskStatus status, String result) {
        return tasks.complete(self, taskId, status, result);
    }

    public List<Task> tasksDelegatedBy(String self) {
        return tasks.delegatedBy(self);
    }

    public List<Task> tasksAssignedTo(String self) {
        return tasks.assignedTo(self);
    }

    /** The tasks given to {@code self} that it has not completed yet. */
    public List<Task> pendingTasksFor(String self) {
        return tasks.pendingFor(self);
    }

    // ------------------------------------------------------------------ housekeeping and history

    /**
     * Marks peers whose processes are gone offline, closes questions nobody waits for, and, when
     * {@code keep} is given, prunes delivered history and long-offline peers older than that. Mail waiting
     * for a name is never removed.
     */
    public GcReport gc(Optional<Duration> keep) {
        return housekeeping.gc(keep);
    }

    /** Where the mesh is, its schema, its peers by status (names in stored order) and what waits for whom. */
    public MeshStatus status() {
        return housekeeping.status();
    }

    /** The position of the newest item sent, for {@link #history}; 0 for an empty mesh. */
    public long historyEnd() {
        return history.end();
    }

    /** Replies made at or after {@code since}, oldest first. */
    public List<MeshEvent> repliesSince(Instant since) {
        return history.repliesSince(since);
    }

    /** Items sent after {@code afterSeq}, and replies made at or after {@code since}, in time order. */
    public List<MeshEvent> history(long afterSeq, Instant since, int limit) {
        return history.events(afterSeq, since, limit);
    }

    /**
     * The newest {@code limit} items sent in the mesh, oldest first, each with its receipts and its question or task
     * as it stands now, recipients by their names (see {@link WholeMeshReads}). An answer is folded into its question
     * and a task's result into its task. Reads only.
     */
    public List<ItemView> recentItems(int limit) {
        return new WholeMeshReads(ctx.store, now(), questions::askerGone).recentItems(limit);
    }
}
