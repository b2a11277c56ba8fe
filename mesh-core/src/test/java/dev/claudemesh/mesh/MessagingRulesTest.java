package dev.claudemesh.mesh;

import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.store.SqliteStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules beyond question and answer (messages, broadcasts, topics, renaming, summaries, tasks, housekeeping
 * and history) on a real SQLite file, with a clock and process table the test controls. As in {@link MeshTest},
 * each "node" is one server process's view of the shared store; which pids are dead is one table for the
 * whole fake machine.
 */
class MessagingRulesTest {
    private static final String HOST = "test-host";
    private static final Instant T0 = FakeMachine.T0;
    private static final int MAX_CHARS = 100;

    @TempDir
    Path tmp;

    private SqliteStore store;
    private final FakeMachine machine = new FakeMachine();
    private final MutableClock clock = machine.clock;
    private final Set<Long> dead = machine.dead;

    @BeforeEach
    void openStore() {
        store = SqliteStore.open(tmp.resolve("mesh.db"));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    // ------------------------------------------------------------------ fakes and helpers

    private static ProcessRef ref(long pid) {
        return FakeMachine.ref(pid);
    }

    private ProjectIdentity project(String dirName) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("projects").resolve(dirName));
        return new ProjectIdentity(dir, dir, dirName);
    }

    /** An MCP server process: pid {@code serverPid}, spawned by Claude Code pid {@code claudePid}. */
    private record Node(Mesh mesh, ProjectIdentity id, String name) {
    }

    private Node server(String project, long serverPid, long claudePid) throws IOException {
        ProjectIdentity id = project(project);
        Mesh m = new Mesh(store, machine.processes(serverPid, claudePid), clock, HOST, MAX_CHARS);
        return new Node(m, id, m.joinAsServer(id).name());
    }

    private Peer stored(String name) {
        return store.peer(name).orElseThrow();
    }

    private static List<String> ids(List<InboxItem> items) {
        return items.stream().map(InboxItem::id).toList();
    }

    private List<MeshEvent> allHistory() {
        return new Mesh(store, machine.processes(9, 8), clock, HOST, MAX_CHARS).history(0, Instant.EPOCH, 1000);
    }

    private static void assertMentions(MeshException e, String... words) {
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "expected '" + w + "' in: " + e.getMessage());
        }
    }

    // ------------------------------------------------------------------ tell

    @Test
    void tellToAnActivePeerIsSentAndReachesItsInboxOnce() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);

        Delivery d = alice.mesh().tell("alice", "BOB", "build is green");

        assertTrue(d.id().startsWith("m_"), d.id());
        assertEquals(Delivery.SENT, d.status());
        assertEquals(List.of("bob"), d.recipients(), "addressed under the stored name");
        List<InboxItem> got = take(bob.mesh(), "bob");
        assertEquals(1, got.size());
        InboxItem item = got.get(0);
        assertEquals(d.id(), item.id());
        assertEquals(InboxItem.MESSAGE, item.kind());
        assertEquals("alice", item.from());
        assertEquals("build is green", item.body());
        assertEquals(T0, item.sentAt());
        assertTrue(take(bob.mesh(), "bob").isEmpty(), "delivered once");
        assertEquals(0, store.unseenCount("alice", 100_000), "the sender gets nothing");
    }

    @Test
    void tellToAnOfflinePeerIsQueuedAndReachesTheNextSessionWithThatName() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        bob.mesh().leaveAsServer("bob");

        Delivery d = alice.mesh().tell("alice", "bob", "read this when you are back");

        assertEquals(Delivery.QUEUED, d.status());
        assertEquals(1, store.unseenCount("bob", 100_000));
        Node nextBob = server("bob", 300, 3000);
        assertEquals("bob", nextBob.name());
        assertEquals(List.of(d.id()), ids(take(nextBob.mesh(), "bob")));
    }

    @Test
    void tellToAPeerWhoseServerDiedIsQueued() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        dead.add(200L);

        assertEquals(Delivery.QUEUED, alice.mesh().tell("alice", "bob", "hello?").status());
        assertEquals(1, store.unseenCount("bob", 100_000));
    }

    @Test
    void tellToAnUnknownNameIsRefusedAndStoresNothing() throws IOException {
        Node alice = server("alice", 100, 1000);

        MeshException e = assertThrows(MeshException.class, () -> alice.mesh().tell("alice", "nobody", "hi"));

        assertMentions(e, "No peer named 'nobody'");
        assertEquals(0, store.unseenCount("nobody", 100_000));
        assertTrue(allHistory().isEmpty());
    }

    @Test
    void tellToYourselfIsRefusedEvenInAnotherCase() throws IOException {
        Node alice = server("alice", 100, 1000);

        MeshException e = assertThrows(MeshException.class, () -> alice.mesh().tell("alice", "Alice", "note to self"));

        assertMentions(e, "cannot tell itself");
        assertEquals(0, store.unseenCount("alice", 100_000));
        assertTrue(allHistory().isEmpty());
    }

    @Test
    void emptyOrOversizedMessageIsRefusedAndStoresNothing() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);

        for (String bad : Arrays.asList("", "  \n ", null)) {
            MeshException e = assertThrows(MeshException.class, () -> alice.mesh().tell("alice", "bob", bad));
            assertMentions(e, "empty");
        }
        MeshException tooLong = assertThrows(MeshException.class,
                () -> alice.mesh().tell("alice", "bob", "x".repeat(MAX_CHARS + 1)));
        assertMentions(tooLong, String.valueOf(MAX_CHARS), "MESH_MAX_MESSAGE_CHARS");
        assertEquals(0, store.unseenCount("bob", 100_000));
        assertTrue(allHistory().isEmpty());

        alice.mesh().tell("alice", "bob", "x".repeat(MAX_CHARS));
        assertEquals(1, store.unseenCount("bob", 100_000), "exactly the limit is accepted");
    }

    // ------------------------------------------------------------------ broadcast and topics

    @Test
    void broadcastWithoutTopicReachesActivePeersButNotTheSenderNorStaleOrOfflineOnes() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        server("carol", 300, 3000);
        Node dave = server("dave", 400, 4000);
        server("erin", 500, 5000);
        clock.advance(Duration.ofMinutes(31));
        alice.mesh().heartbeat("alice");
        bob.mesh().heartbeat("bob");
        dave.mesh().heartbeat("dave");
        dave.mesh().leaveAsServer("dave"); // offline
        dead.add(500L);                    // erin: offline, its server died
        // carol: not seen for 31 minutes, so stale

        Delivery d = alice.mesh().broadcast("alice", "deploying at 3pm", Optional.empty());

        assertTrue(d.id().startsWith("b_"), d.id());
        assertEquals(List.of("bob"), d.recipients());
        InboxItem got = take(bob.mesh(), "bob").get(0);
        assertEquals(d.id(), got.id());
        assertEquals(InboxItem.BROADCAST, got.kind());
        assertEquals("alice", got.from());
        assertEquals(Optional.empty(), got.topic());
        for (String none : List.of("alice", "carol", "dave", "erin")) {
            assertEquals(0, store.unseenCount(none, 100_000), none + " must not get the broadcast");
        }
    }

    @Test
    void broadcastToATopicReachesItsSubscribersButNotTheSenderEvenWhenTheyAreOffline() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Node carol = server("carol", 300, 3000);
        server("dave", 400, 4000);
        alice.mesh().subscribe("alice", "deploys");
        bob.mesh().subscribe("bob", "deploys");
        carol.mesh().subscribe("carol", "deploys");
        carol.mesh().leaveAsServer("carol");
        // dave is active but not subscribed

        Delivery d = alice.mesh().broadcast("alice", "v2 is out", Optional.of("deploys"));

        assertEquals(Set.of("bob", "carol"), Set.copyOf(d.recipients()));
        InboxItem toBob = take(bob.mesh(), "bob").get(0);
        assertEquals(InboxItem.BROADCAST, toBob.kind());
        assertEquals(Optional.of("deploys"), toBob.topic());
        assertEquals("v2 is out", toBob.body());
        assertEquals(0, store.unseenCount("alice", 100_000), "the sender does not hear itself");
        assertEquals(0, store.unseenCount("dave", 100_000), "not a subscriber");
        assertEquals(1, store.unseenCount("carol", 100_000), "waits for the offline subscriber");

        Node nextCarol = server("carol", 500, 5000);
        assertEquals("carol", nextCarol.name());
        assertEquals(List.of(d.id()), ids(take(nextCarol.mesh(), "carol")));
    }

    @Test
    void broadcastToAnInvalidTopicIsRefusedAndStoresNothing() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);

        for (String bad : List.of("", "has space", "a/b", "t".repeat(65))) {
            MeshException e = assertThrows(MeshException.class,
                    () -> alice.mesh().broadcast("alice", "hello", Optional.of(bad)), bad);
            assertMentions(e, "topic");
        }
        assertEquals(0, store.unseenCount("bob", 100_000));
        assertTrue(allHistory().isEmpty());
    }

    @Test
    void emptyOrOversizedBroadcastIsRefusedAndStoresNothing() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);

        assertThrows(MeshException.class, () -> alice.mesh().broadcast("alice", " ", Optional.empty()));
        assertThrows(MeshException.class, () -> alice.mesh().broadcast("alice", "x".repeat(MAX_CHARS + 1), Optional.empty()));

        assertEquals(0, store.unseenCount("bob", 100_000));
    }

    @Test
    void subscribeAndUnsubscribeAreIdempotentAndReturnTheTopicsAfterTheChange() throws IOException {
        Node bob = server("bob", 200, 2000);
        Mesh m = bob.mesh();

        assertEquals(List.of("deploys"), m.subscribe("bob", "deploys"));
        assertEquals(List.of("deploys"), m.subscribe("bob", "deploys"), "subscribing twice changes nothing");
        assertEquals(List.of("alerts", "deploys"), m.subscribe("bob", "alerts"));
        assertEquals(List.of("alerts"), m.unsubscribe("bob", "deploys"));
        assertEquals(List.of("alerts"), m.unsubscribe("bob", "deploys"), "unsubscribing twice changes nothing");
        assertEquals(List.of("alerts"), m.unsubscribe("bob", "never-subscribed"));
        assertEquals(List.of("alerts"), m.topics("bob"));
        assertEquals(List.of("bob"), store.subscribers("alerts"));
        assertTrue(store.subscribers("deploys").isEmpty());
    }

    @Test
    void subscribeAndUnsubscribeRefuseInvalidTopics() throws IOException {
        Node bob = server("bob", 200, 2000);

        assertThrows(MeshException.class, () -> bob.mesh().subscribe("bob", "no spaces"));
        assertThrows(MeshException.class, () -> bob.mesh().subscribe("bob", null));
        assertThrows(MeshException.class, () -> bob.mesh().unsubscribe("bob", "bad/topic"));

        assertTrue(bob.mesh().topics("bob").isEmpty());
    }

    // ------------------------------------------------------------------ rename and summary

    @Test
    void renameTakesAFreeNameAndReleasesTheOldOneForAnotherServer() throws IOException {
        Node alice = server("alice", 100, 1000);
        alice.mesh().setSummary("alice", "plans the sprint");

        Peer renamed = alice.mesh().rename("alice", alice.id(), "planner");

        assertEquals("planner", renamed.name());
        assertEquals(PeerState.ACTIVE, renamed.state());
        assertEquals(Optional.of(ref(100)), renamed.server());
        assertEquals("plans the sprint", renamed.summary(), "the summary moves with the session");
        assertEquals(PeerState.OFFLINE, stored("alice").state(), "the old name is released at once");

        Node another = server("alice", 200, 2000);
        assertEquals("alice", another.name(), "another server takes the released name, not alice-2");
        assertEquals(Optional.of(ref(200)), stored("alice").server());
        assertEquals(PeerState.ACTIVE, stored("planner").state(), "the renamed session keeps its new name");
    }

    @Test
    void renameKeepsMailSentToTheOldNameWithThatName() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        bob.mesh().tell("bob", "alice", "for whoever is alice");

        alice.mesh().rename("alice", alice.id(), "planner");

        assertEquals(0, store.unseenCount("planner", 100_000));
        Node nextAlice = server("alice", 300, 3000);
        assertEquals(List.of("for whoever is alice"),
                take(nextAlice.mesh(), "alice").stream().map(InboxItem::body).toList());
    }

    @Test
    void renameRefusesANameHeldByALiveServerAndChangesNothing() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);

        assertThrows(RuntimeException.class, () -> alice.mesh().rename("alice", alice.id(), "BOB"));

        assertEquals(PeerState.ACTIVE, stored("alice").state(), "the refused session keeps its name");
        assertEquals(Optional.of(ref(100)), stored("alice").server());
        assertEquals(Optional.of(ref(200)), stored("bob").server(), "bob keeps its name");
        assertEquals(bob.id().projectPath().toString(), stored("bob").projectPath());
        assertEquals(2, store.peers().size());
    }

    @Test
    void renameToANameHeldByALiveServerIsAMeshRefusalThatNamesTheName() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);

        MeshException e = assertThrows(MeshException.class, () -> alice.mesh().rename("alice", alice.id(), "bob"));

        assertMentions(e, "'bob'");
    }

    @Test
    void renameMayTakeTheNameOfAServerThatDied() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        dead.add(200L);

        Peer p = alice.mesh().rename("alice", alice.id(), "bob");

        assertEquals("bob", p.name());
        assertEquals(Optional.of(ref(100)), stored("bob").server());
        assertEquals(PeerState.OFFLINE, stored("alice").state());
    }

    @Test
    void renameRefusesInvalidNamesAndChangesNothing() throws IOException {
        Node alice = server("alice", 100, 1000);

        for (String bad : List.of("", "has space", "../etc", "n".repeat(65))) {
            MeshException e = assertThrows(MeshException.class, () -> alice.mesh().rename("alice", alice.id(), bad), bad);
            assertMentions(e, "name");
        }

        assertEquals(1, store.peers().size());
        assertEquals(PeerState.ACTIVE, stored("alice").state());
    }

    @Test
    void renameToYourOwnNameIsANoOpRegister() throws IOException {
        Node alice = server("alice", 100, 1000);
        alice.mesh().setSummary("alice", "tests");
        clock.advance(Duration.ofMinutes(31));
        assertEquals(PeerStatus.STALE, alice.mesh().statusOf(stored("alice")), "precondition");

        Peer p = alice.mesh().rename("alice", alice.id(), "ALICE");

        assertEquals("alice", p.name(), "the stored name is kept");
        assertEquals("tests", p.summary());
        assertEquals(1, store.peers().size());
        assertEquals(PeerState.ACTIVE, stored("alice").state(), "it was not released");
        assertEquals(clock.instant(), stored("alice").lastSeen(), "registering counts as being seen");
        assertEquals(PeerStatus.ACTIVE, alice.mesh().statusOf(stored("alice")));
    }

    @Test
    void setSummaryStoresTheStrippedTextAndRefusesAnOversizedOne() throws IOException {
        Node bob = server("bob", 200, 2000);

        Peer p = bob.mesh().setSummary("bob", "  refactoring auth \n");
        assertEquals("refactoring auth", p.summary());
        assertEquals("refactoring auth", stored("bob").summary());

        assertThrows(MeshException.class, () -> bob.mesh().setSummary("bob", "s".repeat(1001)));
        assertEquals("refactoring auth", stored("bob").summary(), "a refused summary changes nothing");

        assertEquals("", bob.mesh().setSummary("bob", "").summary(), "an empty summary clears it");
    }

    // ------------------------------------------------------------------ tasks

    @Test
    void delegateStoresAPendingTaskAndPutsItInTheAssigneesInbox() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);

        Task t = alice.mesh().delegate("alice", "BOB", "write the migration", Optional.of("table users"));

        assertTrue(t.id().startsWith("t_"), t.id());
        assertEquals(TaskStatus.PENDING, t.status());
        assertEquals("bob", t.assignee());
        assertEquals(TaskStatus.PENDING, store.task(t.id()).orElseThrow().status());
        InboxItem item = take(bob.mesh(), "bob").get(0);
        assertEquals(InboxItem.TASK, item.kind());
        assertEquals(t.id(), item.id());
        assertEquals(Optional.of(t.id()), item.taskId());
        assertEquals("alice", item.from());
        assertTrue(item.body().startsWith("write the migration"), item.body());
        assertTrue(item.body().contains("table users"), "the context travels with the task: " + item.body());
    }

    @Test
    void delegateRefusesUnknownPeersYourselfAndEmptyOrOversizedDescriptions() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);

        assertMentions(assertThrows(MeshException.class,
                () -> alice.mesh().delegate("alice", "nobody", "x", Optional.empty())), "No peer named 'nobody'");
        assertMentions(assertThrows(MeshException.class,
                () -> alice.mesh().delegate("alice", "alice", "x", Optional.empty())), "cannot delegate to itself");
        assertThrows(MeshException.class, () -> alice.mesh().delegate("alice", "bob", " ", Optional.empty()));
        assertThrows(MeshException.class, () -> alice.mesh().delegate("alice", "bob", "x".repeat(MAX_CHARS + 1), Optional.empty()));
        assertThrows(MeshException.class, () -> alice.mesh().delegate("alice", "bob", "ok", Optional.of("c".repeat(MAX_CHARS + 1))));

        assertTrue(alice.mesh().tasksDelegatedBy("alice").isEmpty());
        assertEquals(0, store.unseenCount("bob", 100_000));
    }

    @Test
    void completeDeliversTheResultToTheDelegatorAsATaskResultWithItsStatus() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Task ok = alice.mesh().delegate("alice", "bob", "migrate", Optional.empty());
        Task bad = alice.mesh().delegate("alice", "bob", "deploy", Optional.empty());

        Task done = bob.mesh().complete("bob", " " + ok.id() + " ", TaskStatus.COMPLETED, "migrated 3 tables");
        Task failed = bob.mesh().complete("bob", bad.id(), TaskStatus.FAILED, "no credentials");

        assertEquals(TaskStatus.COMPLETED, done.status());
        assertEquals(Optional.of("migrated 3 tables"), done.result());
        assertTrue(done.completedAt().isPresent());
        assertEquals(TaskStatus.FAILED, failed.status());
        List<InboxItem> results = take(alice.mesh(), "alice");
        assertEquals(List.of(ok.id(), bad.id()), ids(results));
        InboxItem first = results.get(0);
        assertEquals(InboxItem.TASK_RESULT, first.kind());
        assertEquals("bob", first.from());
        assertEquals("migrated 3 tables", first.body());
        assertEquals(Optional.of(ok.id()), first.taskId());
        assertEquals(Optional.of("completed"), first.taskStatus());
        assertEquals(Optional.of("failed"), results.get(1).taskStatus());
        assertEquals("no credentials", results.get(1).body());
    }

    @Test
    void onlyTheAssigneeMayCompleteATask() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        Node carol = server("carol", 300, 3000);
        Task t = alice.mesh().delegate("alice", "bob", "migrate", Optional.empty());

        MeshException e = assertThrows(MeshException.class,
                () -> carol.mesh().complete("carol", t.id(), TaskStatus.COMPLETED, "hijacked"));
        assertMentions(e, "only 'bob' can complete it");
        MeshException byDelegator = assertThrows(MeshException.class,
                () -> alice.mesh().complete("alice", t.id(), TaskStatus.COMPLETED, "did it myself"));
        assertMentions(byDelegator, "only 'bob'");

        Task stored = store.task(t.id()).orElseThrow();
        assertEquals(TaskStatus.PENDING, stored.status());
        assertEquals(Optional.empty(), stored.result());
        assertEquals(0, store.unseenCount("alice", 100_000), "the delegator heard nothing");
    }

    @Test
    void completingATaskTwiceIsRefusedAndKeepsTheFirstResult() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Task t = alice.mesh().delegate("alice", "bob", "migrate", Optional.empty());
        bob.mesh().complete("bob", t.id(), TaskStatus.COMPLETED, "first");

        MeshException e = assertThrows(MeshException.class,
                () -> bob.mesh().complete("bob", t.id(), TaskStatus.FAILED, "second"));

        assertMentions(e, "already completed");
        Task stored = store.task(t.id()).orElseThrow();
        assertEquals(TaskStatus.COMPLETED, stored.status());
        assertEquals(Optional.of("first"), stored.result());
        assertEquals(List.of("first"), take(alice.mesh(), "alice").stream().map(InboxItem::body).toList(),
                "the delegator hears exactly one outcome");
    }

    @Test
    void completingWithStatusPendingOrAnUnknownIdIsRefused() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Task t = alice.mesh().delegate("alice", "bob", "migrate", Optional.empty());

        assertMentions(assertThrows(MeshException.class,
                () -> bob.mesh().complete("bob", t.id(), TaskStatus.PENDING, "still going")), "completed or failed");
        assertMentions(assertThrows(MeshException.class,
                () -> bob.mesh().complete("bob", "t_000000000000", TaskStatus.COMPLETED, "x")), "No task with id");
        assertThrows(MeshException.class, () -> bob.mesh().complete("bob", t.id(), TaskStatus.COMPLETED, " "));

        assertEquals(TaskStatus.PENDING, store.task(t.id()).orElseThrow().status());
        assertEquals(0, store.unseenCount("alice", 100_000));
    }

    @Test
    void tasksDelegatedByAndAssignedToListEachSidesTasksInOrder() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        server("carol", 300, 3000);
        Task t1 = alice.mesh().delegate("alice", "bob", "one", Optional.empty());
        clock.advance(Duration.ofSeconds(1));
        Task t2 = alice.mesh().delegate("alice", "carol", "two", Optional.empty());
        clock.advance(Duration.ofSeconds(1));
        Task t3 = bob.mesh().delegate("bob", "alice", "three", Optional.empty());

        assertEquals(List.of(t1.id(), t2.id()), alice.mesh().tasksDelegatedBy("ALICE").stream().map(Task::id).toList());
        assertEquals(List.of(t3.id()), alice.mesh().tasksAssignedTo("alice").stream().map(Task::id).toList());
        assertEquals(List.of(t1.id()), bob.mesh().tasksAssignedTo("bob").stream().map(Task::id).toList());
        assertEquals(List.of(t3.id()), bob.mesh().tasksDelegatedBy("bob").stream().map(Task::id).toList());
        assertTrue(alice.mesh().tasksDelegatedBy("carol").isEmpty());
    }

    // ------------------------------------------------------------------ Stop and tasks

    @Test
    void stopBlocksWhileATaskIsPendingNamesItOnceAndLetsGoWhenItIsDone() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Task t = alice.mesh().delegate("alice", "bob", "migrate", Optional.empty());

        StopVerdict first = bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL);
        assertTrue(first.block());
        assertEquals(List.of(t.id()), first.taskIds());
        assertTrue(first.questionIds().isEmpty());
        assertTrue(store.task(t.id()).orElseThrow().namedAt().isPresent(), "the block names the task");
        assertEquals(List.of(), store.offerable("bob", List.of(), 10), "the block offers it");

        assertFalse(bob.mesh().stopVerdict("bob", true, Optional.empty(), ALL).block(), "no second block for the same task in one stop sequence");
        assertTrue(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block(), "a new stop sequence reminds again");

        bob.mesh().complete("bob", t.id(), TaskStatus.FAILED, "cannot");
        assertFalse(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block(), "an ended task no longer blocks");
    }

    @Test
    void stopBlocksAgainWhenANewTaskArrivesAfterTheBlock() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Task t1 = alice.mesh().delegate("alice", "bob", "one", Optional.empty());
        assertTrue(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block());
        clock.advance(Duration.ofSeconds(1));
        Task t2 = alice.mesh().delegate("alice", "bob", "two", Optional.empty());

        StopVerdict v = bob.mesh().stopVerdict("bob", true, Optional.empty(), ALL);

        assertTrue(v.block());
        assertEquals(List.of(t2.id()), v.shown().items().stream().map(InboxItem::id).toList(), "the new one is shown");
        assertEquals(List.of(t1.id()), v.stillPending().stream().map(Task::id).toList(), "the one shown before is named");
    }

    @Test
    void stopBlocksWhenANamedQuestionIsJoinedByAnUnnamedTask() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(600));
        assertTrue(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block());
        Task t = alice.mesh().delegate("alice", "bob", "migrate", Optional.empty());

        StopVerdict v = bob.mesh().stopVerdict("bob", true, Optional.empty(), ALL);

        assertTrue(v.block());
        assertEquals(List.of(q.id()), v.questionIds());
        assertEquals(List.of(t.id()), v.taskIds());
    }

    @Test
    void tasksGivenToOthersDoNotBlockStop() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        alice.mesh().delegate("alice", "bob", "migrate", Optional.empty());

        assertFalse(alice.mesh().stopVerdict("alice", false, Optional.empty(), ALL).block(), "the delegator is not the one who must work");
    }

    // ------------------------------------------------------------------ housekeeping

    @Test
    void gcReapsPeersWhoseServerDiedAndKeepsTheirMailForTheNextSessionWithThatName() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        Delivery d = alice.mesh().tell("alice", "bob", "your mail");
        dead.add(200L);

        GcReport h = alice.mesh().gc(Optional.empty());

        assertEquals(List.of("bob"), h.peersReaped(), "only the peer whose server died");
        assertEquals(PeerState.OFFLINE, stored("bob").state());
        assertEquals(PeerState.ACTIVE, stored("alice").state());
        assertEquals(List.of(), alice.mesh().gc(Optional.empty()).peersReaped(), "reaping is done once");
        assertEquals(1, store.unseenCount("bob", 100_000));

        Node nextBob = server("bob", 300, 3000);
        assertEquals("bob", nextBob.name());
        assertEquals(List.of(d.id()), ids(take(nextBob.mesh(), "bob")));
    }

    @Test
    void gcExpiresQuestionsPastTheirDeadlineAndLeavesOthersPending() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        Question overdue = alice.mesh().ask("alice", "bob", "quick?", Duration.ofSeconds(60));
        Question inTime = alice.mesh().ask("alice", "bob", "slow?", Duration.ofSeconds(600));
        clock.advance(Duration.ofSeconds(61));

        GcReport h = alice.mesh().gc(Optional.empty());

        assertEquals(1, h.questionsExpired());
        assertEquals(0, h.questionsAbandoned());
        assertEquals(QuestionStatus.EXPIRED, store.question(overdue.id()).orElseThrow().status());
        assertEquals(QuestionStatus.PENDING, store.question(inTime.id()).orElseThrow().status());
    }

    @Test
    void gcAbandonsQuestionsWhoseAskerDied() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(600));
        dead.add(100L);

        GcReport h = bob.mesh().gc(Optional.empty());

        assertEquals(1, h.questionsAbandoned());
        assertEquals(0, h.questionsExpired());
        assertEquals(List.of("alice"), h.peersReaped());
        assertEquals(QuestionStatus.ABANDONED, store.question(q.id()).orElseThrow().status());
        assertTrue(bob.mesh().openQuestionsFor("bob").isEmpty());
    }

    @Test
    void gcPrunesDeliveredHistoryOlderThanKeepButNeverUndeliveredMail() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Node carol = server("carol", 300, 3000);
        Delivery old = alice.mesh().tell("alice", "bob", "old news");
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        take(bob.mesh(), "bob");
        bob.mesh().reply("bob", q.id(), "8080");
        take(alice.mesh(), "alice"); // alice reads the answer's item
        carol.mesh().leaveAsServer("carol");
        Delivery waiting = alice.mesh().tell("alice", "carol", "still waiting for you");
        clock.advance(Duration.ofDays(2));
        Delivery recent = alice.mesh().tell("alice", "bob", "recent news");
        take(bob.mesh(), "bob");

        assertEquals(0, alice.mesh().gc(Optional.empty()).historyRowsPruned(), "without keep nothing is pruned");
        GcReport h = alice.mesh().gc(Optional.of(Duration.ofDays(1)));

        assertEquals(4, h.historyRowsPruned(),
                "the old message, the question's and the answer's inbox rows, and the answered question");
        assertEquals(Optional.empty(), store.question(q.id()));
        List<String> left = allHistory().stream().map(MeshEvent::id).toList();
        assertFalse(left.contains(old.id()), "delivered history older than keep is pruned");
        assertTrue(left.contains(recent.id()), "delivered history newer than keep stays");
        assertTrue(left.contains(waiting.id()), "undelivered mail stays, however old");
        assertEquals(1, store.unseenCount("carol", 100_000));
        assertEquals(List.of(waiting.id()), ids(take(server("carol", 400, 4000).mesh(), "carol")));
    }

    @Test
    void gcPrunesEndedTasksOnlyOnceTheirResultWasRead() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Task read = alice.mesh().delegate("alice", "bob", "one", Optional.empty());
        Task unread = alice.mesh().delegate("alice", "bob", "two", Optional.empty());
        bob.mesh().complete("bob", read.id(), TaskStatus.COMPLETED, "done one");
        take(alice.mesh(), "alice");
        bob.mesh().complete("bob", unread.id(), TaskStatus.COMPLETED, "done two");
        clock.advance(Duration.ofDays(2));

        alice.mesh().gc(Optional.of(Duration.ofDays(1)));

        assertEquals(Optional.empty(), store.task(read.id()));
        assertTrue(store.task(unread.id()).isPresent(), "its result still waits for the delegator");
        assertEquals(List.of("done two"), take(alice.mesh(), "alice").stream().map(InboxItem::body).toList());
    }

    @Test
    void gcDeletesLongOfflinePeersButKeepsThoseWithMailWaiting() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        Node carol = server("carol", 300, 3000);
        Node dave = server("dave", 400, 4000);
        carol.mesh().leaveAsServer("carol");
        dave.mesh().leaveAsServer("dave");
        alice.mesh().tell("alice", "carol", "waiting for you");
        clock.advance(Duration.ofDays(2));
        alice.mesh().heartbeat("alice");

        GcReport h = alice.mesh().gc(Optional.of(Duration.ofDays(1)));

        assertEquals(1, h.peersDeleted());
        assertEquals(Optional.empty(), store.peer("dave"), "offline, nothing waiting: deleted");
        assertTrue(store.peer("carol").isPresent(), "offline but mail waits: kept");
        assertTrue(store.peer("bob").isPresent(), "stale but not offline: kept");
        assertTrue(store.peer("alice").isPresent());
        assertEquals(1, store.unseenCount("carol", 100_000));
    }

    @Test
    void gcDoesNotDeleteRecentlyOfflinePeers() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node dave = server("dave", 400, 4000);
        dave.mesh().leaveAsServer("dave");
        clock.advance(Duration.ofHours(1));

        assertEquals(0, alice.mesh().gc(Optional.of(Duration.ofDays(1))).peersDeleted());
        assertTrue(store.peer("dave").isPresent());
    }

    // ------------------------------------------------------------------ history

    @Test
    void historyListsEachItemOnceAndRepliesInTimeOrder() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Node carol = server("carol", 300, 3000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(600));
        clock.advance(Duration.ofSeconds(1));
        Delivery b = alice.mesh().broadcast("alice", "deploying", Optional.empty());
        clock.advance(Duration.ofSeconds(1));
        bob.mesh().reply("bob", q.id(), "8080");
        clock.advance(Duration.ofSeconds(1));
        Delivery m = carol.mesh().tell("carol", "alice", "thanks");

        List<MeshEvent> events = alice.mesh().history(0, Instant.EPOCH, 100);

        assertEquals(List.of("question", "broadcast", "reply", "message"), events.stream().map(MeshEvent::kind).toList());
        assertEquals(List.of(q.id(), b.id(), q.id(), m.id()), events.stream().map(MeshEvent::id).toList(),
                "one line per broadcast, however many received it");
        assertEquals(List.of(T0, T0.plusSeconds(1), T0.plusSeconds(2), T0.plusSeconds(3)),
                events.stream().map(MeshEvent::at).toList());
        MeshEvent broadcast = events.get(1);
        assertEquals(Set.of("bob", "carol"), Set.of(broadcast.to().split(",")));
        MeshEvent reply = events.get(2);
        assertEquals("bob", reply.from());
        assertEquals("alice", reply.to());
        assertEquals("8080", reply.text());
        assertEquals("port?", events.get(0).text());
        assertEquals("carol", events.get(3).from());
    }

    @Test
    void historyAfterASeqAndSinceATimeReturnsOnlyNewerEvents() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(600));
        clock.advance(Duration.ofSeconds(1));
        bob.mesh().reply("bob", q.id(), "8080");
        long seqAfterQuestion = store.lastSeq();
        clock.advance(Duration.ofSeconds(1));
        Delivery m = alice.mesh().tell("alice", "bob", "thanks");
        alice.mesh().subscribe("alice", "ops");
        Delivery topical = bob.mesh().broadcast("bob", "ops update", Optional.of("ops"));

        List<MeshEvent> newer = alice.mesh().history(seqAfterQuestion, T0.plusSeconds(2), 100);

        assertEquals(List.of(m.id(), topical.id()), newer.stream().map(MeshEvent::id).toList(),
                "the question is before the seq and the reply before the time");
        assertEquals("#ops", newer.get(1).to(), "a topic broadcast is shown addressed to its topic");
        assertEquals(List.of("question", "reply", "message", "broadcast"),
                alice.mesh().history(0, T0, 100).stream().map(MeshEvent::kind).toList());
    }

    /** Everything for {@code name}, handed over as poll_inbox does for a session with no transcript (seen at once). */
    static List<InboxItem> take(Mesh m, String name) {
        return take(m, name, Integer.MAX_VALUE);
    }

    static List<InboxItem> take(Mesh m, String name, int maxChars) {
        m.settle(name, Optional.empty());
        return m.inbox().handOver(name, Optional.empty(), 1000, maxChars).items();
    }

    /** A hook text that holds everything it is given. */
    static final java.util.function.Function<List<InboxItem>, Inbox.Fitted> ALL = l -> new Inbox.Fitted(l, 0);
}
