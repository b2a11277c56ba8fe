package dev.claudemesh.store;

import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.mesh.StoreException;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Outgoing;
import dev.claudemesh.mesh.SentItem;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerState;
import dev.claudemesh.mesh.ProcessRef;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.QuestionStatus;
import dev.claudemesh.mesh.MeshStore.PeerClaim;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every MeshStore backend must do, run against each: SQLite (SqliteStoreTest) and PostgreSQL
 * (PostgresStoreIT). Each test gets an empty mesh.
 */
abstract class StoreContractTest {
    static final Instant T0 = Instant.parse("2025-01-01T10:00:00Z");

    /** The store under test, on an empty mesh of this test's own (the same one on every call). */
    abstract MeshStore store();

    /** A second store (its own connections) on the same mesh as {@link #store()}. */
    abstract MeshStore second();

    static Question question(String id, String asker, String target, String body) {
        return new Question(id, asker, Optional.of(new ProcessRef(100, 5)), target, body, QuestionStatus.PENDING,
                T0, T0.plusSeconds(300), Optional.empty(), Optional.empty(), Optional.empty());
    }

    static PeerClaim claim(String sessionId) {
        return new PeerClaim("/proj", "/proj", "test-host", null, sessionId, new ProcessRef(100, 5),
                new ProcessRef(99, 4), T0);
    }

    /** The counter moves after a commit: at once on SQLite, within moments when a notification carries it. */
    static void assertCounterMoves(MeshStore s, long before) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (s.changeCounter() == before && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        assertNotEquals(before, s.changeCounter());
    }

    // ------------------------------------------------------------ inbox and delivery

    static List<String> ids(List<InboxItem> items) {
        return items.stream().map(InboxItem::id).toList();
    }

    @Test
    void offerableListsTheRecipientsQueuedItemsOldestFirstAndChangesNothing() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "first"));
        s.addQuestion(question("q_2", "alice", "bob", "second"));
        s.addQuestion(question("q_3", "bob", "carol", "for carol"));

        List<InboxItem> got = s.offerable("BOB", List.of(), 10);
        assertEquals(List.of("q_1", "q_2"), ids(got));
        assertEquals("alice", got.get(0).from());
        assertEquals(InboxItem.QUESTION, got.get(0).kind());
        assertEquals("first", got.get(0).body());
        assertEquals(List.of("q_1", "q_2"), ids(s.offerable("bob", List.of(), 10)), "reading takes nothing");
        assertEquals(List.of("q_1"), ids(s.offerable("bob", List.of(), 1)));
        assertEquals(List.of(), ids(s.offerable("bob", List.of(InboxItem.MESSAGE), 10)));
        assertEquals(2, s.unseenCount("bob", 100));
        assertEquals(1, s.unseenCount("bob", 1), "the count stops at its cap");
    }

    @Test
    void hasOpenItemsWhileAQuestionIsPendingOrAnItemIsQueuedOrOfferedToThePeerOnly() {
        MeshStore s = store();
        assertFalse(s.hasOpenItems("bob"), "an empty mesh");
        s.addQuestion(question("q_1", "alice", "bob", "first"));
        assertTrue(s.hasOpenItems("BOB"), "queued (names in any case)");
        assertFalse(s.hasOpenItems("alice"), "the asker has nothing waiting");
        assertFalse(second().hasOpenItems("carol"));
        s.offer("bob", List.of("q_1"), "prompt", "/t.jsonl", 0, T0);
        assertTrue(second().hasOpenItems("bob"), "offered, not yet seen");
        s.markSeen("bob", List.of("q_1"), "transcript", T0.plusSeconds(1));
        assertTrue(s.hasOpenItems("bob"), "seen, but the question still waits for bob's answer");
        assertTrue(s.answer("q_1", "bob", "done", T0.plusSeconds(2)));
        assertFalse(s.hasOpenItems("bob"), "answered: nothing waits for bob");
        assertTrue(s.hasOpenItems("alice"), "the answer is queued for alice");
    }

    @Test
    void offerIsCompareAndSetSoTwoReadersNeverOfferTheSameItem() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "first"));
        s.addQuestion(question("q_2", "alice", "bob", "second"));

        assertEquals(List.of("q_1"), s.offer("bob", List.of("q_1"), "prompt", "/t.jsonl", 10, T0));
        assertEquals(List.of("q_2"), second().offer("bob", List.of("q_1", "q_2"), "channel", "/t.jsonl", 20, T0),
                "q_1 was offered already");
        assertEquals(List.of(), s.offerable("bob", List.of(), 10));
        assertEquals(2, s.unseenCount("bob", 100), "offered is not seen");
        List<dev.claudemesh.mesh.Offer> open = s.openOffers("bob", 10);
        assertEquals(List.of("q_1", "q_2"), open.stream().map(dev.claudemesh.mesh.Offer::id).toList());
        assertEquals("prompt", open.get(0).via());
        assertEquals("/t.jsonl", open.get(0).log());
        assertEquals(10, open.get(0).mark());
    }

    @Test
    void anOfferThatFailedGoesBackToTheQueueAndOneSeenNeverDoes() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "first"));
        s.addQuestion(question("q_2", "alice", "bob", "second"));
        s.offer("bob", List.of("q_1", "q_2"), "prompt", "/t.jsonl", 0, T0);

        assertEquals(List.of("q_1"), s.markSeen("bob", List.of("q_1"), "transcript", T0.plusSeconds(1)));
        assertEquals(List.of("q_2"), s.release("bob", List.of("q_1", "q_2"), T0.plusSeconds(2)), "a seen item is not released");
        assertEquals(List.of("q_2"), ids(s.offerable("bob", List.of(), 10)));
        assertEquals(List.of(), s.markSeen("bob", List.of("q_1"), "transcript", T0.plusSeconds(3)), "seen once");
        assertEquals(1, s.unseenCount("bob", 100));
    }

    @Test
    void markSeenIgnoresIdsOfOtherRecipients() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "hi"));
        assertEquals(List.of(), s.markSeen("carol", List.of("q_1"), "tool-result", T0));
        assertEquals(1, s.unseenCount("bob", 100));
        assertEquals(List.of("q_1"), s.markSeen("Bob", List.of("q_1"), "tool-result", T0));
        assertEquals(0, s.unseenCount("bob", 100));
    }

    @Test
    void everyChangeOfStateIsAReceiptInOrder() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "hi"));
        s.offer("bob", List.of("q_1"), "prompt", "/t.jsonl", 0, T0.plusSeconds(1));
        s.release("bob", List.of("q_1"), T0.plusSeconds(2));
        s.offer("bob", List.of("q_1"), "stop", "/t.jsonl", 5, T0.plusSeconds(3));
        s.accept("bob", List.of("q_1"), T0.plusSeconds(4));
        s.markSeen("bob", List.of("q_1"), "transcript", T0.plusSeconds(5));

        List<dev.claudemesh.mesh.Receipt.Change> changes = s.receiptsAfter(0, 100);
        assertEquals(List.of("queued", "offered", "queued", "offered", "accepted", "seen"),
                changes.stream().map(dev.claudemesh.mesh.Receipt.Change::state).toList());
        assertEquals(Optional.of("stop"), changes.get(3).via());
        assertEquals(List.of("seen"), s.receiptsAfter(changes.get(4).seq(), 100).stream()
                .map(dev.claudemesh.mesh.Receipt.Change::state).toList());

        dev.claudemesh.mesh.Receipt r = s.receipts("q_1").get(0);
        assertEquals("seen", r.state());
        assertEquals("alice", r.sender());
        assertEquals(Optional.of("stop"), r.offeredVia());
        assertEquals(Optional.of(T0.plusSeconds(5)), r.seenAt());
        assertEquals(Optional.of("transcript"), r.seenVia());
    }

    @Test
    void receiptsOfManyItemsInOneReadAreEachItemsOwn() {
        MeshStore s = store();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 1_201; i++) { // more ids than one statement binds
            String id = String.format("q_%012d", i);
            s.addQuestion(question(id, "alice", "bob", "q" + i));
            ids.add(id);
        }
        s.markSeen("bob", List.of(ids.get(7)), "transcript", T0.plusSeconds(1));
        s.answer(ids.get(7), "bob", "yes", T0.plusSeconds(2)); // the answer's own row for alice, under the same id

        java.util.Map<String, List<dev.claudemesh.mesh.Receipt>> all = s.receipts(ids);

        assertEquals(ids.size(), all.size());
        for (String id : List.of(ids.get(0), ids.get(7), ids.get(500), ids.get(1_200))) {
            assertEquals(s.receipts(id), all.get(id), id);
        }
        assertEquals(2, all.get(ids.get(7)).size(), "the question's receipt for bob and its answer's for alice");
        assertEquals(java.util.Map.of(), s.receipts(List.of("q_none")), "an id with no rows has no entry");
    }

    // ------------------------------------------------------------ questions

    @Test
    void answerIsCompareAndSet() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "why?"));

        assertTrue(s.answer("q_1", "Bob", "because", T0.plusSeconds(1)));
        assertFalse(s.answer("q_1", "bob", "second thoughts", T0.plusSeconds(2)));

        Question q = s.question("q_1").orElseThrow();
        assertEquals(QuestionStatus.ANSWERED, q.status());
        assertEquals(Optional.of("because"), q.answer());
        assertEquals(Optional.of(T0.plusSeconds(1)), q.answeredAt());
    }

    @Test
    void answerByWrongTargetFailsAndLeavesQuestionPending() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "why?"));

        assertFalse(s.answer("q_1", "carol", "me!", T0));

        Question q = s.question("q_1").orElseThrow();
        assertEquals(QuestionStatus.PENDING, q.status());
        assertEquals(Optional.empty(), q.answer());
    }

    @Test
    void answeringProvesTheQuestionReachedItsTarget() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "why?"));
        assertTrue(s.answer("q_1", "bob", "because", T0));
        assertEquals(0, s.unseenCount("bob", 100));
        assertEquals(Optional.of("answered"), s.receipts("q_1").get(0).seenVia());
    }

    @Test
    void aQuestionThatClosesUnansweredIsWithdrawnFromItsTargetsInbox() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "still there?"));
        assertTrue(s.closeQuestion("q_1", QuestionStatus.EXPIRED, T0));
        assertEquals(0, s.unseenCount("bob", 100));
        assertEquals(List.of(), s.offerable("bob", List.of(), 10), "nobody waits for it: it is not offered");
        assertEquals("withdrawn", s.receipts("q_1").get(0).state());
    }

    @Test
    void aQuestionsUnansweredEndIsAReceiptEvenWhenItsTargetHadSeenIt() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "seen, never answered"));
        s.markSeen("bob", List.of("q_1"), "transcript", T0.plusSeconds(1));
        s.addQuestion(question("q_2", "alice", "bob", "never seen"));
        assertTrue(s.closeQuestion("q_1", QuestionStatus.CANCELLED, T0.plusSeconds(2)));
        assertTrue(s.closeQuestion("q_2", QuestionStatus.ABANDONED, T0.plusSeconds(3)));
        assertFalse(s.closeQuestion("q_2", QuestionStatus.EXPIRED, T0.plusSeconds(4)), "a question ends once");

        List<String> changes = s.receiptsAfter(0, 100).stream().map(c -> c.id() + " " + c.state() + " " + c.at().toEpochMilli()).toList();
        assertEquals(List.of("q_1 queued " + T0.toEpochMilli(), "q_1 seen " + T0.plusSeconds(1).toEpochMilli(),
                "q_2 queued " + T0.toEpochMilli(), "q_1 cancelled " + T0.plusSeconds(2).toEpochMilli(),
                "q_2 withdrawn " + T0.plusSeconds(3).toEpochMilli(), "q_2 abandoned " + T0.plusSeconds(3).toEpochMilli()),
                changes);
    }

    @Test
    void answeringPutsTheAnswerInTheAskersInboxOnceAndOnlyWhenItWins() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "Alice", "bob", "port?"));
        assertEquals(0, s.unseenCount("alice", 100));

        assertTrue(s.answer("q_1", "bob", "8080", T0.plusSeconds(5)));
        assertFalse(s.answer("q_1", "bob", "9090", T0.plusSeconds(6)), "a second answer loses");

        List<InboxItem> got = second().offerable("alice", List.of(), 10);
        assertEquals(1, got.size(), got.toString());
        InboxItem a = got.get(0);
        assertEquals(InboxItem.ANSWER, a.kind());
        assertEquals("q_1", a.id(), "an answer is known by its question's id");
        assertEquals("bob", a.from());
        assertEquals("8080", a.body());
        assertEquals(T0.plusSeconds(5), a.sentAt());
        assertEquals(java.util.Map.of("question_id", "q_1"), a.references("message_id"));

        s.addQuestion(question("q_2", "alice", "bob", "closed first"));
        assertTrue(s.closeQuestion("q_2", QuestionStatus.EXPIRED, T0));
        assertFalse(s.answer("q_2", "bob", "late", T0));
        assertEquals(1, s.unseenCount("alice", 100), "no answer item for an answer that lost");
        assertEquals(List.of(), s.itemsAfter(0, 100).stream().filter(e -> e.kind().equals(InboxItem.ANSWER)).toList(),
                "history tells an answer once, as its question's reply");
    }

    @Test
    void aHeldAnswerIsNotOfferedByThisStoreUntilReleased() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "port?"));
        s.holdAnswer("q_1");
        s.holdAnswer("q_1"); // two calls wait on it
        assertTrue(s.answer("q_1", "bob", "8080", T0));
        assertEquals(List.of(), s.offerable("alice", List.of(), 10), "held for the calls that return it");

        s.releaseAnswer("q_1");
        assertEquals(List.of(), s.offerable("alice", List.of(), 10), "one call still holds it");
        s.releaseAnswer("q_1");
        assertEquals(List.of("q_1"), s.offerable("alice", List.of(), 10).stream().map(InboxItem::id).toList());
    }

    @Test
    void pendingQuestionIdsAreTheAskersPendingOnes() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "Alice", "bob", "a"));
        s.addQuestion(question("q_2", "alice", "carol", "b"));
        s.addQuestion(question("q_3", "bob", "alice", "c"));
        s.answer("q_2", "carol", "done", T0);
        assertEquals(List.of("q_1"), s.pendingQuestionIds("ALICE"));
    }

    @Test
    void closeOnlyMovesPendingQuestions() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "?"));
        assertTrue(s.closeQuestion("q_1", QuestionStatus.EXPIRED, java.time.Instant.now()));
        assertFalse(s.closeQuestion("q_1", QuestionStatus.CANCELLED, java.time.Instant.now()));
        assertFalse(s.answer("q_1", "bob", "late", T0));
        assertEquals(QuestionStatus.EXPIRED, s.question("q_1").orElseThrow().status());
    }

    @Test
    void pendingQuestionListsAreByTargetIgnoringCaseAndLeaveClosedOnesOut() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "Alice", "Bob", "1"));
        s.addQuestion(question("q_2", "carol", "bob", "2"));
        s.addQuestion(question("q_3", "alice", "carol", "3"));
        s.closeQuestion("q_2", QuestionStatus.CANCELLED, java.time.Instant.now());

        assertEquals(List.of("q_1"), s.pendingQuestionsFor("BOB").stream().map(Question::id).toList());
        assertEquals(java.util.Set.of("q_1", "q_3"), s.pendingQuestions().stream().map(Question::id)
                .collect(java.util.stream.Collectors.toSet()));
    }

    @Test
    void questionRoundTripsAllFields() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "body text"));
        s.markNamed(List.of("q_1"), T0.plusSeconds(3));

        Question q = s.question("q_1").orElseThrow();
        assertEquals("alice", q.asker());
        assertEquals("bob", q.target());
        assertEquals(Optional.of(new ProcessRef(100, 5)), q.askerProcess());
        assertEquals(T0, q.askedAt());
        assertEquals(T0.plusSeconds(300), q.expiresAt());
        assertEquals(Optional.of(T0.plusSeconds(3)), q.namedAt());
        assertTrue(s.question("q_missing").isEmpty());
    }

    // ------------------------------------------------------------ peers

    @Test
    void claimNameStoresTheClaimAsActive() {
        MeshStore s = store();
        Peer p = s.claimName(List.of("Backend"), claim("s1"), row -> true);

        assertEquals("Backend", p.name());
        assertEquals(PeerState.ACTIVE, p.state());
        assertEquals(Optional.of("s1"), p.sessionId());
        assertEquals(Optional.of(new ProcessRef(100, 5)), p.server());
        assertEquals(Optional.of(new ProcessRef(99, 4)), p.claude());
        assertEquals("", p.summary());
        assertEquals(Optional.of(p), s.peer("backend"));
    }

    @Test
    void claimNameSkipsHeldNames() {
        MeshStore s = store();
        s.claimName(List.of("backend"), claim("s1"), row -> true);

        Peer second = s.claimName(List.of("backend", "backend-2"), claim("s2"), row -> true);

        assertEquals("backend-2", second.name());
        assertEquals(2, s.peers().size());
    }

    @Test
    void claimNameFailsWhenEveryCandidateIsHeld() {
        MeshStore s = store();
        s.claimName(List.of("backend"), claim("s1"), row -> true);
        assertThrows(StoreException.class, () -> s.claimName(List.of("backend"), claim("s2"), row -> true));
    }

    @Test
    void endSessionWithAnotherSessionIdChangesNothing() {
        MeshStore s = store();
        s.claimName(List.of("backend"), claim("current"), row -> true);

        assertFalse(s.endSession("backend", "older", T0.plusSeconds(5)));
        assertEquals(PeerState.ACTIVE, s.peer("backend").orElseThrow().state());

        assertTrue(s.endSession("BACKEND", "current", T0.plusSeconds(6)));
        Peer p = s.peer("backend").orElseThrow();
        assertEquals(PeerState.OFFLINE, p.state());
        assertEquals(T0.plusSeconds(6), p.lastSeen());
    }

    @Test
    void releaseServerOnlyWhenTheServerPidStillMatches() {
        MeshStore s = store();
        s.claimName(List.of("backend"), claim("s1"), row -> true);

        assertFalse(s.releaseServer("backend", 4242, T0));
        assertEquals(PeerState.ACTIVE, s.peer("backend").orElseThrow().state());
        assertTrue(s.releaseServer("backend", 100, T0));
        assertEquals(PeerState.OFFLINE, s.peer("backend").orElseThrow().state());
    }

    @Test
    void touchAndSetSummaryUpdateThePeer() {
        MeshStore s = store();
        s.claimName(List.of("backend"), claim("s1"), row -> true);
        s.touch("backend", T0.plusSeconds(10));
        assertEquals(T0.plusSeconds(10), s.peer("backend").orElseThrow().lastSeen());
        s.setSummary("Backend", "works on auth", T0.plusSeconds(20));
        Peer p = s.peer("backend").orElseThrow();
        assertEquals("works on auth", p.summary());
        assertEquals(T0.plusSeconds(20), p.lastSeen());
    }

    // ------------------------------------------------------------ two connections

    @Test
    void twoStoresOnOneFileSeeEachOthersCommits() {
        MeshStore a = store();
        MeshStore b = second();

        a.addQuestion(question("q_1", "alice", "bob", "from a"));
        assertEquals("from a", b.question("q_1").orElseThrow().body());

        assertTrue(b.answer("q_1", "bob", "from b", T0));
        assertEquals(Optional.of("from b"), a.question("q_1").orElseThrow().answer());
    }

    @Test
    void changeCounterMovesAfterAnotherConnectionCommits() {
        MeshStore a = store();
        MeshStore b = second();

        long before = a.changeCounter();
        assertEquals(before, a.changeCounter(), "no commit in between, so no change");

        b.addQuestion(question("q_1", "alice", "bob", "ping"));

        assertCounterMoves(a, before);
    }

    @Test
    void changeCounterAlsoMovesAfterThisStoresOwnCommit() {
        MeshStore a = store();
        long before = a.changeCounter();
        a.addQuestion(question("q_1", "alice", "bob", "ping"));
        assertCounterMoves(a, before);
    }

    // ------------------------------------------------------------------ file leases

    private static dev.claudemesh.mesh.Lease lease(String id, String holder, boolean exclusive, String... globs) {
        return new dev.claudemesh.mesh.Lease(id, "github.com/acme/shop", holder, "h1", new ProcessRef(42, 7), exclusive,
                "why", T0, T0.plusSeconds(600), java.util.List.of(globs));
    }

    @Test
    void aLeaseIsStoredWhenItsTransactionAcceptsWhatIsOpenAndEachGlobEndsOnceWithALogLine() {
        MeshStore s = store();
        MeshStore other = second();
        assertTrue(s.addLease(lease("l_1", "alpha", true, "src/api/**", "docs/**"), open -> open.isEmpty()));
        java.util.List<java.util.List<dev.claudemesh.mesh.Lease>> seen = new java.util.ArrayList<>();
        assertFalse(other.addLease(lease("l_2", "beta", true, "src/**"), open -> {
            seen.add(open);
            return false;
        }), "refused by its own check");
        assertEquals(java.util.List.of("l_1"), seen.get(0).stream().map(dev.claudemesh.mesh.Lease::id).toList());
        assertEquals(java.util.List.of("docs/**", "src/api/**"), seen.get(0).get(0).globs(), "globs in order");
        assertTrue(seen.get(0).get(0).exclusive());
        assertEquals(new ProcessRef(42, 7), seen.get(0).get(0).server());
        assertEquals(1, other.openLeases(Optional.empty()).size(), "nothing of the refused one was stored");
        assertEquals(0, other.openLeases(Optional.of("elsewhere")).size());

        assertEquals(java.util.List.of("l_1"), other.endLeases(java.util.List.of("l_1"), java.util.List.of("docs/**"), "released", T0));
        assertEquals(java.util.List.of(), s.endLeases(java.util.List.of("l_1"), java.util.List.of("docs/**"), "released", T0),
                "a glob ends once");
        assertEquals(java.util.List.of("src/api/**"), s.openLeases(Optional.empty()).get(0).globs());
        assertEquals(java.util.List.of("l_1"), s.endLeases(java.util.List.of("l_1"), java.util.List.of(), "expired", T0));
        assertTrue(s.openLeases(Optional.empty()).isEmpty());
        assertEquals(java.util.List.of("claimed src/api/** docs/**", "released docs/**", "expired src/api/**"),
                other.leaseEventsAfter(0, 10).stream().map(e -> e.event() + " " + e.globs()).toList());
    }

    // ------------------------------------------------------------ reading the whole mesh

    @Test
    void recentItemsGivesEachItemOnceWithItsRecipientsInOrderAndKeepsTheNewest() {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "Bob", "ping"));
        s.deliver(new Outgoing("b_1", InboxItem.BROADCAST, "alice", "hello all", "schema", null, null, T0.plusSeconds(1)),
                List.of("Carol", "bob", "dave"));
        s.deliver(new Outgoing("m_1", InboxItem.MESSAGE, "bob", "thanks", null, null, null, T0.plusSeconds(2)),
                List.of("alice"));

        List<SentItem> all = s.recentItems(10);

        assertEquals(List.of("q_1", "b_1", "m_1"), all.stream().map(SentItem::id).toList());
        assertEquals(List.of("bob"), all.get(0).recipients(), "recipients as stored keys");
        assertEquals(List.of("carol", "bob", "dave"), all.get(1).recipients(), "in the order addressed");
        assertEquals(Optional.of("schema"), all.get(1).topic());
        assertEquals("hello all", all.get(1).body());
        assertEquals("alice", all.get(1).from());
        assertEquals(T0.plusSeconds(1), all.get(1).sentAt());
        assertEquals(InboxItem.QUESTION, all.get(0).kind());
        assertTrue(all.get(0).seq() < all.get(1).seq() && all.get(1).seq() < all.get(2).seq());
        assertEquals(List.of("b_1", "m_1"), s.recentItems(2).stream().map(SentItem::id).toList());
        assertEquals(List.of(), s.recentItems(0));
    }

    @Test
    void aTaskAndItsResultAreTwoItemsWithOneId() {
        MeshStore s = store();
        s.deliver(new Outgoing("t_1", InboxItem.TASK, "alice", "do it", null, "t_1", null, T0), List.of("bob"));
        s.deliver(new Outgoing("t_1", InboxItem.TASK_RESULT, "bob", "done", null, "t_1", "completed", T0.plusSeconds(1)),
                List.of("alice"));

        List<SentItem> all = s.recentItems(10);

        assertEquals(List.of(InboxItem.TASK, InboxItem.TASK_RESULT), all.stream().map(SentItem::kind).toList());
        assertEquals(List.of("bob"), all.get(0).recipients());
        assertEquals(List.of("alice"), all.get(1).recipients());
    }
}
