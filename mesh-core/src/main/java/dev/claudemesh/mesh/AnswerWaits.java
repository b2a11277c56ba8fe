package dev.claudemesh.mesh;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Every wait of this process for an answer, kept by one thread. A waiting call holds no thread of its own, only
 * a future this thread completes; so a thousand asks waiting at once cost a thousand small objects, and every
 * other call of the session is served meanwhile (a thread per wait would exhaust the MCP SDK's pool at 20).
 *
 * <p>The thread sleeps on the {@link ChangeWatch}. When the store's counter moves it reads, in one query per
 * asker, which of its questions are still pending; only those that are not are read again, and the store's
 * verdict (answered, expired, cancelled) ends their waits. Besides that it ends a wait when its question's
 * time is up (expired), when its own limit comes first ({@code waiting}: the question stays open), when the
 * peer asked is gone (checked once a second), or when the caller cancels it. Exactly one outcome per question is
 * decided in the store; this class only reports it. With no waits the thread sleeps on its own monitor and the
 * watch is left alone, so an idle server polls nothing.
 */
public final class AnswerWaits implements AutoCloseable {
    private static final Duration LIVENESS_EVERY = Duration.ofSeconds(1);
    /** The longest sleep between looks: bounds how late a limit or a tick can be when the clock is not real. */
    private static final long MAX_SLEEP_MS = 1000;
    /** While the database cannot be reached, look again this often. */
    private static final long OUTAGE_RETRY_MS = 500;

    private final Mesh mesh;
    private final ChangeWatch watch;
    private final Set<Wait> waits = ConcurrentHashMap.newKeySet();
    private Thread thread;
    private boolean closed;

    public AnswerWaits(Mesh mesh, ChangeWatch watch) {
        this.mesh = mesh;
        this.watch = watch;
    }

    /** One call's wait for one question's outcome. */
    public final class Wait {
        private final Question question;
        private final Instant started;
        private final Instant until;
        private final Duration tickEvery;
        private final Consumer<Duration> tick;
        private Instant nextTick;
        private final CompletableFuture<AskOutcome> outcome = new CompletableFuture<>();
        private boolean finished;

        private Wait(Question question, Optional<Duration> limit, Duration tickEvery, Consumer<Duration> tick) {
            this.question = question;
            this.started = mesh.now();
            Instant end = question.expiresAt();
            this.until = limit.map(started::plus).filter(end::isAfter).orElse(end);
            this.tickEvery = tickEvery;
            this.tick = tick;
            this.nextTick = started.plus(tickEvery);
        }

        public Question question() {
            return question;
        }

        /** Completed with the outcome; {@code waiting} when the limit came before any other. */
        public CompletableFuture<AskOutcome> outcome() {
            return outcome;
        }

        /**
         * Ends the wait at once as cancelled, and its question with it, unless the store already holds another
         * outcome (an answer, say), which is then the one reported. Blocks only for that one store write.
         */
        public AskOutcome cancel() {
            return finish(() -> mesh.endWait(question, QuestionStatus.CANCELLED, AskOutcome.CANCELLED),
                    new AskOutcome(AskOutcome.CANCELLED, question.id(), question.target(), Optional.empty()));
        }

        /**
         * Decides this wait's outcome once: the first caller runs {@code decide} (store calls included) while
         * later ones wait for and get its result. A store that cannot be reached ends a cancelled wait with
         * {@code fallback} (null: the wait goes on, to be decided on a later look).
         */
        private synchronized AskOutcome finish(Supplier<AskOutcome> decide, AskOutcome fallback) {
            if (finished) {
                return outcome.isCompletedExceptionally() ? fallback : outcome.join();
            }
            AskOutcome o;
            try {
                o = decide.get();
            } catch (StoreUnavailableException down) {
                if (fallback == null) {
                    return null;
                }
                o = fallback;
            } catch (RuntimeException e) {
                fail(e);
                return fallback;
            }
            if (o == null) {
                return null;
            }
            finished = true;
            end();
            outcome.complete(o);
            return o;
        }

        private synchronized void fail(RuntimeException e) {
            if (!finished) {
                finished = true;
                end();
                outcome.completeExceptionally(e);
            }
        }

        private synchronized boolean finished() {
            return finished;
        }

        private void end() {
            waits.remove(this);
            mesh.questions().releaseAnswer(question.id());
        }
    }

    /**
     * Waits for {@code q}'s outcome: its answer, its expiry, its target going offline, or a cancellation; or,
     * with a {@code limit} that comes before its deadline, until then ({@code waiting}). While it waits, the
     * answer is held out of this process's inbox reads ({@link MeshStore#holdAnswer}), since
     * this wait will return it; {@code tick} is called about every {@code tickEvery}, on this class's thread (it
     * must not block), with the time waited so far.
     */
    public Wait await(Question q, Optional<Duration> limit, Duration tickEvery, Consumer<Duration> tick) {
        mesh.questions().holdAnswer(q.id());
        return register(q, limit, tickEvery, tick);
    }

    /**
     * Asks ({@link Mesh#ask}) and waits for the answer as {@link #await} does. The answer is held from before
     * the question is stored: a peer quick enough to answer before the wait begins cannot have its answer
     * taken by another reader of this process first, and shown twice.
     */
    public Wait ask(String from, String to, String text, Duration timeout, Optional<Duration> limit, Duration tickEvery,
                    Consumer<Duration> tick) {
        List<String> held = new ArrayList<>(1);
        Question q;
        try {
            q = mesh.ask(from, to, text, timeout, id -> {
                mesh.questions().holdAnswer(id);
                held.add(id);
            });
        } catch (RuntimeException e) {
            held.forEach(mesh.questions()::releaseAnswer);
            throw e;
        }
        return register(q, limit, tickEvery, tick);
    }

    /** Adds a wait for {@code q}, whose answer is already held for it. */
    private Wait register(Question q, Optional<Duration> limit, Duration tickEvery, Consumer<Duration> tick) {
        Wait w = new Wait(q, limit, tickEvery, tick);
        synchronized (this) {
            if (closed) {
                mesh.questions().releaseAnswer(q.id());
                throw new IllegalStateException("the server is stopping");
            }
            waits.add(w);
            if (thread == null) {
                thread = new Thread(this::run, "mesh-answer-waits");
                thread.setDaemon(true);
                thread.start();
            }
            notifyAll();
        }
        watch.wake();
        return w;
    }

    /** Cancels every wait (the client went away), each question with it; returns how many there were. */
    public int cancelAll() {
        List<Wait> all = new ArrayList<>(waits);
        all.forEach(Wait::cancel);
        return all.size();
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        watch.wake();
    }

    private void run() {
        Instant nextLiveness = Instant.MIN;
        while (true) {
            synchronized (this) {
                while (waits.isEmpty() && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) {
                    return;
                }
            }
            long seen = watch.current();
            long sleep;
            try {
                sleep = look(nextLiveness);
                if (!mesh.now().isBefore(nextLiveness)) {
                    nextLiveness = mesh.now().plus(LIVENESS_EVERY);
                }
            } catch (StoreUnavailableException down) {
                sleep = OUTAGE_RETRY_MS; // the questions and any answers are safe in the store; look again
            } catch (RuntimeException e) {
                // A fault of ours must not strand the waits: each is ended with the error.
                List.copyOf(waits).forEach(w -> w.fail(e));
                continue;
            }
            sleep = Math.max(1, Math.min(sleep, Math.max(1, Duration.between(mesh.now(), nextLiveness).toMillis())));
            try {
                watch.awaitChange(seen, Math.min(sleep, MAX_SLEEP_MS));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One look at every wait; returns how long until the next thing due (a limit, a deadline, a tick). */
    private long look(Instant nextLiveness) {
        List<Wait> all = List.copyOf(waits);
        Map<String, Set<String>> pendingByAsker = new HashMap<>();
        for (Wait w : all) {
            String asker = w.question.asker();
            if (!pendingByAsker.containsKey(asker)) {
                pendingByAsker.put(asker, new HashSet<>(mesh.questions().pendingIds(asker)));
            }
        }
        Instant now = mesh.now();
        boolean checkLiveness = !now.isBefore(nextLiveness);
        Map<String, Boolean> targetGone = new HashMap<>();
        long sleep = MAX_SLEEP_MS;
        for (Wait w : all) {
            if (w.finished()) {
                continue;
            }
            Question q = w.question;
            if (!pendingByAsker.get(q.asker()).contains(q.id())) {
                w.finish(() -> mesh.settled(q).orElse(null), null);
            } else if (q.expiredBy(now)) {
                w.finish(() -> mesh.endWait(q, QuestionStatus.EXPIRED, AskOutcome.TIMED_OUT), null);
            } else if (!now.isBefore(w.until)) {
                w.finish(() -> mesh.settled(q).orElse(new AskOutcome(AskOutcome.WAITING, q.id(), q.target(), Optional.empty())), null);
            } else if (checkLiveness && targetGone.computeIfAbsent(q.target(), mesh::targetGone)) {
                w.finish(() -> mesh.endWait(q, QuestionStatus.EXPIRED, AskOutcome.PEER_OFFLINE), null);
            }
            if (w.finished()) {
                continue;
            }
            if (!now.isBefore(w.nextTick)) {
                w.nextTick = now.plus(w.tickEvery);
                w.tick.accept(Duration.between(w.started, now));
            }
            Instant due = w.until.isBefore(w.nextTick) ? w.until : w.nextTick;
            sleep = Math.min(sleep, Duration.between(now, due).toMillis());
        }
        return sleep;
    }
}
