package dev.claudemesh.mesh;


import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The store boundary: the only place that knows SQL. Every method is one atomic step; methods that change
 * state and can lose a race (answering, expiring) say whether they won, so the domain can report what
 * happened instead of overwriting it. Peers are addressed by name key (lower-case name).
 */
public interface MeshStore extends AutoCloseable, LeaseStore {

    /** What a process wants recorded when it takes a name. Null fields keep the stored value. */
    record PeerClaim(String projectPath, String gitRoot, String host, String summary, String sessionId,
                     ProcessRef server, ProcessRef claude, Instant now) {
    }

    /**
     * Takes the first of {@code candidates} whose current row is absent or not {@code held}, in one
     * transaction, and records the claim on it as active. Mail addressed to a name stays with the name.
     */
    Peer claimName(List<String> candidates, PeerClaim claim, Predicate<Peer> held);

    Optional<Peer> peer(String name);

    List<Peer> peers();

    void touch(String name, Instant now);

    void setSummary(String name, String summary, Instant now);

    void recordSession(String name, String sessionId, Instant now);

    /** Marks the peer offline only when its recorded session id is {@code sessionId}. */
    boolean endSession(String name, String sessionId, Instant now);

    /** Marks the peer offline only when its recorded server is still {@code serverPid}. */
    boolean releaseServer(String name, long serverPid, Instant now);

    /** Stores a pending question and puts it in the target's inbox, atomically. */
    void addQuestion(Question question);

    Optional<Question> question(String id);

    /** Pending questions addressed to {@code target}, oldest first. */
    List<Question> pendingQuestionsFor(String target);

    /** Ids of the pending questions asked by {@code asker}: what a process waiting on many answers reads. */
    List<String> pendingQuestionIds(String asker);

    /**
     * Answers a pending question addressed to {@code target} and, in the same transaction, puts the answer in
     * its asker's inbox (an item of kind {@code answer} whose id is the question's); false when the question
     * was no longer pending.
     */
    boolean answer(String id, String target, String answer, Instant now);

    /**
     * Moves a pending question to {@code status}; false when it was no longer pending. Its row in the
     * target's inbox, if not yet seen, is withdrawn in the same step: nobody waits for it any more.
     */
    boolean closeQuestion(String id, QuestionStatus status, Instant now);

    /**
     * While held, the answer to question {@code id} is left out of {@link #offerable} in this process: a call
     * here waits to return that answer itself (ask_peer, await_answer), so the asker does not see it twice (as a
     * tool result and again from a hook, a channel push or poll_inbox). Holds are counted; each
     * {@code holdAnswer} is ended by one {@link #releaseAnswer}.
     */
    void holdAnswer(String id);

    void releaseAnswer(String id);

    /** Records that a Stop hook named these questions in a block. */
    void markNamed(Collection<String> ids, Instant now);

    // ------------------------------------------------------------------ delivery (written by mesh.Inbox only)

    /**
     * Up to {@code limit} of the recipient's items that may be offered now (queued), oldest first, of the given
     * kinds (all, when empty). Reads only: nothing changes until {@link #offer}.
     */
    List<InboxItem> offerable(String recipient, Collection<String> kinds, int limit);

    /** Up to {@code limit} of the recipient's offers not yet seen, oldest first. */
    List<Offer> openOffers(String recipient, int limit);

    /**
     * Whether anything waits for {@code recipient} at all: a pending question to it, or an item queued or offered
     * to it. One query, for the paths that run before every prompt and after every tool call and most often
     * find nothing: when this says no, settling and offering would find nothing either.
     */
    boolean hasOpenItems(String recipient);

    /**
     * Moves each of {@code ids} still queued for {@code recipient} to offered (by {@code via}, with its proof
     * expected in {@code log} from byte {@code mark} on), atomically, and returns those it moved: an item
     * another reader took meanwhile is not among them.
     */
    List<String> offer(String recipient, Collection<String> ids, String via, String log, long mark, Instant now);

    /** Records that the client accepted these offered items (a channel event queued for the model's next turn). */
    void accept(String recipient, Collection<String> ids, Instant now);

    /** Moves each of {@code ids} that is queued or offered for {@code recipient} to seen; returns those it moved. */
    List<String> markSeen(String recipient, Collection<String> ids, String via, Instant now);

    /** Moves each of {@code ids} that is offered (not seen) for {@code recipient} back to queued; returns those it moved. */
    List<String> release(String recipient, Collection<String> ids, Instant now);

    /** How many of the recipient's items are not seen yet (queued or offered), counting at most {@code cap}. */
    int unseenCount(String recipient, int cap);

    /** The state of item {@code id} for each of its recipients. */
    List<Receipt> receipts(String id);

    /** {@link #receipts(String)} of each of {@code ids} in one read: id to its receipts (none: no entry). */
    java.util.Map<String, List<Receipt>> receipts(Collection<String> ids);

    /** Every state change after receipt position {@code afterSeq}, oldest first, at most {@code limit}. */
    List<Receipt.Change> receiptsAfter(long afterSeq, int limit);

    /** The recipient's transcript, as its SessionStart hook reported it. */
    void recordTranscript(String name, String path, Instant now);

    // ------------------------------------------------------------------ messages, topics, tasks

    /** Puts {@code item} in each recipient's inbox, atomically. */
    void deliver(Outgoing item, Collection<String> recipients);

    /** Subscribes {@code name} to {@code topic} (idempotent) and returns its topics after the change. */
    List<String> subscribe(String name, String topic, Instant now);

    /** Unsubscribes (idempotent) and returns the topics after the change. */
    List<String> unsubscribe(String name, String topic);

    List<String> topics(String name);

    /** The names (as stored keys) subscribed to {@code topic}. */
    List<String> subscribers(String topic);

    /** Stores a pending task and puts it in the assignee's inbox, atomically. */
    void addTask(Task task, Outgoing item);

    Optional<Task> task(String id);

    /**
     * Ends a pending task given to {@code assignee} and puts {@code result} in the delegator's inbox,
     * atomically; false when the task was not pending (or not this assignee's).
     */
    boolean completeTask(String id, String assignee, TaskStatus status, String result,
                         Outgoing resultItem);

    List<Task> tasksDelegatedBy(String name);

    List<Task> tasksAssignedTo(String name);

    /** Records that a Stop hook named these tasks in a block. */
    void markTasksNamed(Collection<String> ids, Instant now);

    // ------------------------------------------------------------------ history and housekeeping

    /**
     * Items sent after inbox position {@code afterSeq} (one event per item id, not per recipient), oldest first;
     * answers are not among them ({@link #answersSince} tells each once).
     */
    List<MeshEvent> itemsAfter(long afterSeq, int limit);

    /**
     * The newest {@code limit} items sent, oldest first, one per item (a broadcast's recipients together, as
     * stored keys, in the order addressed). A task and its result are two items with one id.
     */
    List<SentItem> recentItems(int limit);

    /** Questions answered at or after {@code since}, oldest first. */
    List<MeshEvent> answersSince(Instant since);

    /** The newest inbox position, 0 for an empty mesh. */
    long lastSeq();

    /** All pending questions, for housekeeping. */
    List<Question> pendingQuestions();

    /** Marks a peer offline whatever it recorded (its processes are known to be gone). */
    boolean markOffline(String name, Instant now);

    /** Deletes delivered items, ended questions and ended tasks older than {@code before}; returns how many rows went. */
    int pruneHistory(Instant before);

    /** Deletes offline peers last seen before {@code before} that have nothing waiting for them; returns how many. */
    int deleteOfflinePeers(Instant before);

    /** Undelivered items per recipient key. */
    java.util.Map<String, Integer> waitingByRecipient();

    /** A number that changes whenever another connection commits to the store; cheap to read. */
    long changeCounter();

    /**
     * Whether the store tells {@link #onChange} listeners about commits itself (PostgreSQL's LISTEN/NOTIFY),
     * so nobody needs to read {@link #changeCounter} in a loop. A SQLite file cannot; it is polled.
     */
    default boolean pushesChanges() {
        return false;
    }

    /** Calls {@code listener}, on a thread of the store's, after every change it learns of (push stores only). */
    default void onChange(Runnable listener) {
        throw new UnsupportedOperationException("this store does not push changes; poll changeCounter()");
    }

    /** Where the mesh lives, safe to print: a file path or postgresql://host:port/db. */
    String where();

    /** The schema version this store is at. */
    String schemaVersion();

    @Override
    void close();
}
