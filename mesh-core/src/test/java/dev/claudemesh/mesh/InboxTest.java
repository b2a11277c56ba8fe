package dev.claudemesh.mesh;

import dev.claudemesh.store.SqliteStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The delivery owner's rules, on a real SQLite file with a transcript this test controls: what counts as
 * seen, when an offer counts as failed, and what a channel's silence means.
 */
class InboxTest {
    @TempDir
    Path tmp;
    SqliteStore store;
    final FakeLog log = new FakeLog();
    Instant now = Instant.parse("2026-01-01T10:00:00Z");
    Inbox inbox;

    /** A transcript per path: what its model was shown, what Claude Code queued, where the model answered. */
    static final class FakeLog implements SeenLog {
        final Map<String, Set<String>> shown = new HashMap<>();
        final Map<String, Set<String>> enqueued = new HashMap<>();
        final Map<String, Long> size = new HashMap<>();
        final Map<String, Long> answeredAt = new HashMap<>();
        final Map<String, Long> answerTime = new HashMap<>();

        void show(String log, String id) {
            shown.computeIfAbsent(log, k -> new HashSet<>()).add(id);
            grow(log);
        }

        void enqueue(String log, String id) {
            enqueued.computeIfAbsent(log, k -> new HashSet<>()).add(id);
            grow(log);
        }

        void answer(String log) {
            answeredAt.put(log, size.getOrDefault(log, 0L));
            grow(log);
        }

        /** An answer written now whose line says it was given at {@code at}. */
        void answerGivenAt(String log, Instant at) {
            answerTime.put(log, at.toEpochMilli());
            answer(log);
        }

        void grow(String log) {
            size.merge(log, 100L, Long::sum);
        }

        @Override
        public Scan scan(String log, long from, Collection<String> ids) {
            Set<String> s = new HashSet<>(shown.getOrDefault(log, Set.of()));
            s.retainAll(ids);
            Set<String> q = new HashSet<>(enqueued.getOrDefault(log, Set.of()));
            q.retainAll(ids);
            long answer = answeredAt.getOrDefault(log, -1L);
            return new Scan(size.getOrDefault(log, 0L), s, q, answer >= from ? answer : -1, answer >= from ? answerTime.getOrDefault(log, -1L) : -1);
        }

        @Override
        public long end(String log) {
            return size.getOrDefault(log, 0L);
        }
    }

    @BeforeEach
    void open() {
        store = SqliteStore.open(tmp.resolve("mesh.db"));
        inbox = new Inbox(store, log, new Clock() {
            @Override
            public Instant instant() {
                return now;
            }

            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }
        });
    }

    @AfterEach
    void close() {
        store.close();
    }

    List<String> send(int n) {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = String.format("m_%012x", i + 1);
            store.deliver(new Outgoing(id, InboxItem.MESSAGE, "alice", "hello " + i, null, null, null, now), List.of("bob"));
            ids.add(id);
        }
        return ids;
    }

    Inbox.Batch offer(String via, String transcript) {
        return inbox.offerNext("bob", via, Optional.of(transcript), List.of(), 100, items -> new Inbox.Fitted(items, 0));
    }

    String state(String id) {
        return store.receipts(id).get(0).state();
    }

    @Test
    void anOfferItsTranscriptShowsBecomesSeen() {
        String id = send(1).get(0);
        offer(Inbox.VIA_PROMPT, "/t1");
        log.show("/t1", id);
        assertEquals(List.of(id), inbox.reconcile("bob", Optional.of("/t1")).seen());
        assertEquals("seen", state(id));
        assertEquals(Optional.of(Inbox.SEEN_IN_TRANSCRIPT), store.receipts(id).get(0).seenVia());
    }

    @Test
    void anOfferTheModelAnsweredWithoutGoesBackToTheQueue() {
        String id = send(1).get(0);
        offer(Inbox.VIA_PROMPT, "/t1");
        assertTrue(inbox.reconcile("bob", Optional.of("/t1")).released().isEmpty(), "not judged before the model answered");
        log.answer("/t1");
        assertEquals(List.of(id), inbox.reconcile("bob", Optional.of("/t1")).released());
        assertEquals("queued", state(id));
        assertEquals(List.of(id), offer(Inbox.VIA_PROMPT, "/t1").items().stream().map(InboxItem::id).toList(), "offered again");
    }

    @Test
    void anAnswerBeforeTheOfferDoesNotCountAgainstIt() {
        log.answer("/t1"); // the model answered an earlier turn
        String id = send(1).get(0);
        offer(Inbox.VIA_PROMPT, "/t1");
        assertTrue(inbox.reconcile("bob", Optional.of("/t1")).released().isEmpty());
        assertEquals("offered", state(id));
    }

    @Test
    void theCallThatMadeAToolResultOfferWrittenAfterItIsNotAnAnswerSinceTheOffer() {
        String id = send(1).get(0);
        Instant called = now;
        now = now.plusMillis(400); // poll_inbox runs after the model's message calling it was received
        inbox.handOver("bob", Optional.of("/t1"), 50, 40_000);
        log.answerGivenAt("/t1", called); // Claude Code writes that message to the transcript only now
        assertTrue(inbox.reconcile("bob", Optional.of("/t1")).released().isEmpty(), "the tool's own call is no answer to its result");
        assertEquals("offered", state(id));
        log.answerGivenAt("/t1", now.plusMillis(900)); // a real answer after the result, without it
        assertEquals(List.of(id), inbox.reconcile("bob", Optional.of("/t1")).released());
    }

    @Test
    void theNextSessionWithTheNameReleasesWhatItsPredecessorNeverShowed() {
        List<String> ids = send(2);
        offer(Inbox.VIA_SESSION_START, "/t1");
        log.show("/t1", ids.get(0));
        Inbox.Reconciled r = inbox.reconcile("bob", Optional.of("/t2"));
        assertEquals(List.of(ids.get(0)), r.seen());
        assertEquals(List.of(ids.get(1)), r.released());
    }

    @Test
    void aChannelPushNotAcceptedInTimeIsRefusedAndOneAcceptedWaitsForTheTurn() {
        List<String> ids = send(2);
        offer(Inbox.VIA_CHANNEL, "/t1");
        assertEquals(ids, inbox.reconcile("bob", Optional.of("/t1")).channelPending(), "waiting for Claude Code's verdict");
        log.enqueue("/t1", ids.get(0));
        now = now.plus(Inbox.CHANNEL_VERDICT);
        Inbox.Reconciled r = inbox.reconcile("bob", Optional.of("/t1"));
        assertEquals(List.of(ids.get(0)), r.channelAccepted());
        assertEquals(List.of(ids.get(1)), r.channelRefused());
        assertEquals("offered", state(ids.get(0)), "accepted: it reaches the model at its next turn");
        assertEquals("queued", state(ids.get(1)), "refused: back for the hooks");

        log.show("/t1", ids.get(0));
        assertEquals(List.of(ids.get(0)), inbox.reconcile("bob", Optional.of("/t1")).seen());
    }

    @Test
    void anAcceptedChannelEventWhoseSessionEndedIsReleasedToTheNext() {
        String id = send(1).get(0);
        offer(Inbox.VIA_CHANNEL, "/t1");
        log.enqueue("/t1", id);
        inbox.reconcile("bob", Optional.of("/t1"));
        now = now.plus(Duration.ofMinutes(5));
        assertTrue(inbox.reconcile("bob", Optional.of("/t1")).released().isEmpty(), "same session: still on its way");
        assertEquals(List.of(id), inbox.reconcile("bob", Optional.of("/t2")).released());
    }

    @Test
    void aHandOverWithoutATranscriptIsSeenAtOnceAndWithOneIsProvenLater() {
        List<String> ids = send(3);
        Inbox.Batch noLog = inbox.handOver("bob", Optional.empty(), 1, Integer.MAX_VALUE);
        assertEquals("seen", state(noLog.items().get(0).id()));
        assertEquals(2, noLog.moreWaiting());
        Inbox.Batch withLog = inbox.handOver("bob", Optional.of("/t1"), 1, Integer.MAX_VALUE);
        assertEquals("offered", state(withLog.items().get(0).id()));
        log.show("/t1", ids.get(1));
        inbox.reconcile("bob", Optional.of("/t1"));
        assertEquals("seen", state(ids.get(1)));
    }

    @Test
    void offerNextTakesExactlyWhatItsPathFitAndSaysWhatIsLeft() {
        List<String> ids = send(5);
        Inbox.Batch b = inbox.offerNext("bob", Inbox.VIA_PROMPT, Optional.of("/t1"), List.of(), 100,
                items -> new Inbox.Fitted(items.subList(0, 2), 1));
        assertEquals(ids.subList(0, 2), b.items().stream().map(InboxItem::id).toList());
        assertEquals(1, b.tooLarge());
        assertEquals(2, b.moreWaiting(), "five, less the two offered and the one too large");
        assertEquals("queued", state(ids.get(2)));
    }
}
