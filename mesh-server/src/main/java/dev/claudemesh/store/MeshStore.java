package dev.claudemesh.store;

import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.QuestionStatus;

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
public interface MeshStore extends AutoCloseable {

    /** What a process wants recorded when it takes a name. Null fields keep the stored value. */
    record PeerClaim(String projectPath, String gitRoot, String host, String summary, String sessionId,
                     dev.claudemesh.mesh.ProcessRef server, dev.claudemesh.mesh.ProcessRef claude, Instant now) {
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

    /** Pending questions asked by {@code asker}. */
    List<Question> pendingQuestionsFrom(String asker);

    /** Answers a pending question addressed to {@code target}; false when it was no longer pending. */
    boolean answer(String id, String target, String answer, Instant now);

    /** Moves a pending question to {@code status}; false when it was no longer pending. */
    boolean close(String id, QuestionStatus status, Instant now);

    /** Records that a Stop hook named these questions in a block. */
    void markNamed(Collection<String> ids, Instant now);

    /**
     * Returns the recipient's undelivered items, oldest first, and marks them delivered, atomically: two
     * readers racing never both get an item. Stops before the bodies exceed {@code maxChars} in total, but
     * always returns at least one item when any waits; the rest stay for the next reader.
     */
    List<InboxItem> takeInbox(String recipient, int maxChars, Instant now);

    /** How many items wait undelivered for the recipient. */
    int waitingCount(String recipient);

    /** Marks these items delivered to {@code recipient} (ids of other recipients are ignored). */
    void markDelivered(String recipient, Collection<String> ids, Instant now);

    /** A number that changes whenever another connection commits to the store; cheap to read. */
    long changeCounter();

    /** The schema version this store is at. */
    String schemaVersion();

    @Override
    void close();
}
