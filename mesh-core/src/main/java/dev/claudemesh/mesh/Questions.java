package dev.claudemesh.mesh;

import dev.claudemesh.identity.PeerNames;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Questions and their answers: who may ask whom, who may answer, and when nobody waits any more (the asker's
 * time ran out: expired; its process died: abandoned). Every outcome is decided in the store, once; this class
 * reads it back for the asker.
 */
final class Questions {
    static final int DEFAULT_ASK_TIMEOUT_SECONDS = 600;
    static final int MAX_ASK_TIMEOUT_SECONDS = 3600;

    private final MeshContext ctx;
    private final MeshStore store;
    private final Presence presence;
    private final Inbox inbox;

    Questions(MeshContext ctx, Presence presence, Inbox inbox) {
        this.ctx = ctx;
        this.store = ctx.store;
        this.presence = presence;
        this.inbox = inbox;
    }

    Question ask(String from, String to, String text, Duration timeout, Consumer<String> beforeStored) {
        Peer target = presence.recipient(from, to, "ask");
        ctx.checkText("question", text, false);
        if (timeout.isNegative() || timeout.isZero() || timeout.getSeconds() > MAX_ASK_TIMEOUT_SECONDS) {
            throw new MeshException("timeout_seconds must be between 1 and " + MAX_ASK_TIMEOUT_SECONDS
                    + " (got " + timeout.getSeconds() + ")");
        }
        if (presence.statusOf(target) == PeerStatus.OFFLINE) {
            throw new MeshException("Peer '" + target.name() + "' is offline, so nobody would answer. "
                    + "Call list_peers to see who is online.");
        }
        Instant now = ctx.now();
        Question q = new Question(ctx.newId("q_"), from, Optional.of(ctx.processes.self()), target.name(), text,
                QuestionStatus.PENDING, now, now.plus(timeout), Optional.empty(), Optional.empty(), Optional.empty());
        beforeStored.accept(q.id());
        store.addQuestion(q);
        return q;
    }

    boolean cancel(Question q) {
        return store.closeQuestion(q.id(), QuestionStatus.CANCELLED, ctx.now());
    }

    /**
     * How {@code q} ended, if it has: for its asker, as the store recorded it. An answer returned this way is the
     * answer's delivery, so its inbox item is seen (a tool result going back to the live session).
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
        if (store.closeQuestion(q.id(), closeAs, ctx.now())) {
            return new AskOutcome(outcome, q.id(), q.target(), Optional.empty());
        }
        return settled(q).orElse(new AskOutcome(outcome, q.id(), q.target(), Optional.empty()));
    }

    Question ownQuestion(String self, String id) {
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

    Question reply(String self, String id, String answer) {
        if (id == null || id.isBlank()) {
            throw new MeshException("question_id is empty; pass the id shown with the question (it starts with 'q_').");
        }
        ctx.checkText("answer", answer, false);
        Question q = store.question(id.trim()).orElseThrow(() -> new MeshException(
                "No question with id '" + PeerNames.printable(id) + "'. Use the question_id exactly as shown with the question."));
        if (!PeerNames.key(q.target()).equals(PeerNames.key(self))) {
            throw new MeshException("Question " + q.id() + " was asked of '" + q.target() + "', not of you ('" + self
                    + "'); only '" + q.target() + "' can answer it.");
        }
        if (q.status() == QuestionStatus.PENDING && q.expiredBy(ctx.now())) {
            store.closeQuestion(q.id(), QuestionStatus.EXPIRED, ctx.now()); // its asker stopped waiting, even if it could not say so
        }
        if (q.status() == QuestionStatus.PENDING && store.answer(q.id(), self, answer, ctx.now())) {
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

    /** Questions waiting for {@code self}'s answer; those nobody waits for any more are closed on the way. */
    List<Question> openQuestionsFor(String self) {
        return sweep(store.pendingQuestionsFor(self)).open();
    }

    /** What one pass over pending questions found: those still open, and how many it closed, by how. */
    record Sweep(List<Question> open, int expired, int abandoned) {
    }

    /**
     * The one place that closes pending questions nobody waits for: past its asker's time a question is
     * expired; with its asker gone (its process dead here, its heartbeat late elsewhere) it is abandoned. A
     * question another process closed first is left out, and not counted.
     */
    Sweep sweep(List<Question> pending) {
        Instant now = ctx.now();
        List<Question> open = new ArrayList<>();
        int expired = 0;
        int abandoned = 0;
        for (Question q : pending) {
            if (q.expiredBy(now)) {
                expired += store.closeQuestion(q.id(), QuestionStatus.EXPIRED, now) ? 1 : 0;
            } else if (askerGone(q)) {
                abandoned += store.closeQuestion(q.id(), QuestionStatus.ABANDONED, now) ? 1 : 0;
            } else {
                open.add(q);
            }
        }
        return new Sweep(open, expired, abandoned);
    }

    /** Every pending question of the mesh. */
    List<Question> pending() {
        return store.pendingQuestions();
    }

    boolean askerGone(Question q) {
        Optional<Peer> asker = store.peer(q.asker());
        if (asker.isPresent() && !ctx.onThisHost(asker.get())) {
            return presence.isGone(asker.get());
        }
        return q.askerProcess().isPresent() && !ctx.processes.isAlive(q.askerProcess().get());
    }

    /** Keeps the answer to {@code id} out of this process's inbox reads while a wait here will return it. */
    void holdAnswer(String id) {
        store.holdAnswer(id);
    }

    void releaseAnswer(String id) {
        store.releaseAnswer(id);
    }

    List<String> pendingIds(String asker) {
        return store.pendingQuestionIds(asker);
    }
}
