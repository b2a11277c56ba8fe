package dev.claudemesh.mesh;

import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.store.SqliteStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The mesh's rules on a real SQLite file, with a clock and process table the test controls. Each "node" is
 * one process's view: its own {@link Mesh} over the shared store, with its own self/parent/ancestors, while
 * liveness (which pids are dead) is one table for the whole fake machine.
 */
class MeshTest {
    private static final String HOST = "test-host";
    private static final Instant T0 = FakeMachine.T0;
    private static final int MAX_CHARS = 100;

    @TempDir
    Path tmp;

    private SqliteStore store;
    private final FakeMachine machine = new FakeMachine();
    private final MutableClock clock = machine.clock;
    private final Set<Long> dead = machine.dead;
    /** Claude Code pids that have a claude-mesh server among their children (a server node was started under them). */
    private final Set<Long> withServer = machine.withServer;
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void openStore() {
        store = SqliteStore.open(tmp.resolve("mesh.db"));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        store.close();
    }

    // ------------------------------------------------------------------ fakes and helpers

    private static ProcessRef ref(long pid) {
        return FakeMachine.ref(pid);
    }

    private Mesh mesh(Processes processes) {
        return mesh(processes, HOST);
    }

    private Mesh mesh(Processes processes, String host) {
        return new Mesh(store, processes, clock, host, MAX_CHARS);
    }

    private ProjectIdentity project(String dirName) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("projects").resolve(dirName));
        return new ProjectIdentity(dir, dir, dirName);
    }

    /** An MCP server process: pid {@code serverPid}, spawned by Claude Code pid {@code claudePid}. */
    private record Node(Mesh mesh, FakeMachine.FakeProcesses processes, ProjectIdentity id, String name) {
    }

    private Node server(ProjectIdentity id, long serverPid, long claudePid) {
        withServer.add(claudePid);
        FakeMachine.FakeProcesses p = machine.processes(serverPid, claudePid);
        Mesh m = mesh(p);
        Peer peer = m.joinAsServer(id);
        return new Node(m, p, id, peer.name());
    }

    private Node server(String project, long serverPid, long claudePid) throws IOException {
        return server(project(project), serverPid, claudePid);
    }

    private ChangeWatch watch() {
        ChangeWatch w = new ChangeWatch(store::changeCounter, 5);
        toClose.add(w);
        return w;
    }

    /** Moves the clock forward by {@code step} every {@code everyMs} of real time until closed. */
    private AutoCloseable runClock(Duration step, long everyMs) {
        Thread t = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(everyMs);
                    clock.advance(step);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "test-clock");
        t.setDaemon(true);
        t.start();
        AutoCloseable stop = () -> {
            t.interrupt();
            t.join(2000);
        };
        toClose.add(stop);
        return stop;
    }

    private Peer stored(String name) {
        return store.peer(name).orElseThrow();
    }

    private void assertNothingAskedOf(String name) {
        assertTrue(store.pendingQuestionsFor(name).isEmpty(), "no question should be stored");
        assertEquals(0, store.unseenCount(name, 100_000), "nothing should wait in the inbox");
    }

    // ------------------------------------------------------------------ joining and names

    @Test
    void serverTakesItsProjectsBaseName() throws IOException {
        Node a = server("backend", 100, 1000);

        assertEquals("backend", a.name());
        Peer p = stored("backend");
        assertEquals(PeerState.ACTIVE, p.state());
        assertEquals(Optional.of(ref(100)), p.server());
        assertEquals(Optional.of(ref(1000)), p.claude());
        assertEquals(HOST, p.host());
        assertEquals(a.id().projectPath().toString(), p.projectPath());
        assertEquals(T0, p.lastSeen());
    }

    @Test
    void secondLiveServerInSameProjectGetsNumberedName() throws IOException {
        ProjectIdentity id = project("backend");
        Node a = server(id, 100, 1000);
        Node b = server(id, 200, 2000);
        Node c = server(id, 300, 3000);

        assertEquals("backend", a.name());
        assertEquals("backend-2", b.name());
        assertEquals("backend-3", c.name());
        assertEquals(Optional.of(ref(100)), stored("backend").server(), "first server keeps its row");
        assertEquals(Optional.of(ref(200)), stored("backend-2").server());
    }

    @Test
    void deadServersNameIsReused() throws IOException {
        ProjectIdentity id = project("backend");
        server(id, 100, 1000);
        dead.add(100L);

        Node b = server(id, 200, 2000);

        assertEquals("backend", b.name());
        assertEquals(Optional.of(ref(200)), stored("backend").server());
        assertEquals(1, store.peers().size());
    }

    @Test
    void offlineServersNameIsReused() throws IOException {
        ProjectIdentity id = project("backend");
        Node a = server(id, 100, 1000);
        a.mesh().leaveAsServer(a.name());

        Node b = server(id, 200, 2000);

        assertEquals("backend", b.name());
        assertEquals(PeerState.ACTIVE, stored("backend").state());
    }

    @Test
    void sameServerRejoiningKeepsItsName() throws IOException {
        ProjectIdentity id = project("backend");
        Node a = server(id, 100, 1000);
        assertEquals("backend", a.mesh().joinAsServer(id).name());
        assertEquals(1, store.peers().size());
    }

    @Test
    void sameBaseNameInAnotherProjectIsNumberedToo() throws IOException {
        Path other = Files.createDirectories(tmp.resolve("elsewhere/backend"));
        server("backend", 100, 1000);
        Node b = server(new ProjectIdentity(other, other, "backend"), 200, 2000);
        assertEquals("backend-2", b.name());
    }

    @Test
    void sessionStartThatRunsBeforeItsServerWaitsForItAndIsToldTheServersName() throws Exception {
        ProjectIdentity id = project("backend");
        server(id, 200, 2000); // another session already holds "backend"
        Mesh hook = mesh(machine.processes(900, 950L, 3000L));
        java.util.concurrent.CompletableFuture<Optional<Peer>> started = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> hook.startSession(id, "sess-3", Duration.ofSeconds(10)));
        Thread.sleep(300); // the hook is waiting: its session's server is starting but has not joined
        assertFalse(started.isDone());
        assertEquals(1, store.peers().size(), "the hook claims no name of its own");

        Node srv = server(id, 300, 3000);

        Peer p = started.get(10, TimeUnit.SECONDS).orElseThrow();
        assertEquals("backend-2", srv.name());
        assertEquals("backend-2", p.name(), "the hook is told its own server's name");
        assertEquals(Optional.of("sess-3"), stored("backend-2").sessionId());
        assertEquals(2, store.peers().size());
    }

    @Test
    void sessionStartThatRunsAfterItsServerFindsItsRowAtOnce() throws IOException {
        ProjectIdentity id = project("backend");
        server(id, 100, 1000);
        server(id, 200, 2000);
        Mesh hook = mesh(machine.processes(900, 950L, 2000L));

        Peer p = hook.startSession(id, "s-2", Duration.ofSeconds(5)).orElseThrow();

        assertEquals("backend-2", p.name());
        assertEquals(Optional.of("s-2"), p.sessionId());
        assertEquals(Optional.empty(), stored("backend").sessionId());
    }

    @Test
    void sessionStartInASessionWithoutAServerFindsNothingAndClaimsNothing() throws IOException {
        ProjectIdentity id = project("backend");
        server(id, 100, 1000);
        Mesh hook = mesh(machine.processes(900, 950L, 4000L)); // Claude Code 4000 started no claude-mesh server

        assertEquals(Optional.empty(), hook.startSession(id, "lonely", Duration.ofSeconds(30)));
        assertEquals(1, store.peers().size());
        assertEquals(Optional.empty(), stored("backend").sessionId());
    }

    @Test
    void aRowThatRecordsNoProcessIsGoneSoGcReapsItAndItsNameIsFree() throws IOException {
        ProjectIdentity id = project("backend");
        // What an older version's SessionStart hook left when its server never came: no server, no Claude Code.
        store.claimName(List.of("backend"), new MeshStore.PeerClaim(id.projectPath().toString(),
                id.gitRoot().toString(), HOST, null, "ghost", null, null, clock.instant()), row -> false);
        Mesh any = mesh(machine.processes(900, 5000));
        assertEquals(PeerStatus.OFFLINE, any.statusOf(stored("backend")));
        assertEquals(List.of("backend"), any.gc(Optional.empty()).peersReaped());

        assertEquals("backend", server(id, 100, 1000).name());
    }

    @Test
    void serverDoesNotTakeALiveNameFromAnotherHostsServerWithTheSamePid() throws IOException {
        ProjectIdentity id = project("backend");
        Peer remote = mesh(machine.processes(100, 1000), "other-host").joinAsServer(id);
        assertEquals("backend", remote.name());

        Node local = server(id, 100, 2000);

        assertEquals("backend-2", local.name(), "pid 100 on other-host is not our pid 100");
        Peer kept = stored("backend");
        assertEquals("other-host", kept.host());
        assertEquals(Optional.of(ref(1000)), kept.claude());
    }

    // ------------------------------------------------------------------ hooks and sessions

    @Test
    void aHookBelongsToThePeerWhoseServerItsNearestSessionAncestorStarted() throws IOException {
        ProjectIdentity id = project("backend");
        server(id, 100, 1000);
        server(id, 200, 2000);

        Mesh hookOfSecond = mesh(machine.processes(900, 950L, 2000L));
        Mesh hookOfFirst = mesh(machine.processes(901, 951L, 1000L));

        assertEquals("backend-2", hookOfSecond.sessionPeer(id).orElseThrow().name());
        assertEquals("backend", hookOfFirst.sessionPeer(id).orElseThrow().name());
    }

    @Test
    void aSessionStartedInsideAnotherIsNotTakenForTheOuterOne() throws IOException {
        ProjectIdentity id = project("backend");
        server(id, 100, 1000);            // the outer session
        ProjectIdentity inner = project("inner");
        server(inner, 300, 3000); // a session started from a Bash tool of the outer one
        Mesh innerHook = mesh(machine.processes(900, 950L, 3000L, 960L, 1000L));

        assertEquals("inner", innerHook.sessionPeer(inner).orElseThrow().name());
    }

    @Test
    void aHookOfAnotherProjectUnderTheSameProcessBelongsToNoPeer() throws IOException {
        server(project("backend"), 100, 1000);
        assertTrue(mesh(machine.processes(900, 1000)).sessionPeer(project("frontend")).isEmpty(),
                "one process that started a backend session's server is not a frontend session");
    }

    @Test
    void aHookOutsideEverySessionBelongsToNoPeerEvenWhenOnlyOneIsActive() throws IOException {
        ProjectIdentity id = project("backend");
        server(id, 100, 1000);

        assertTrue(mesh(machine.processes(900, 5000)).sessionPeer(id).isEmpty(),
                "a hook run by hand (or by another program) must not read a session's mail");
    }

    @Test
    void aHookBelongsToNoPeerOnceItsServerDied() throws IOException {
        ProjectIdentity id = project("backend");
        server(id, 100, 1000);
        dead.add(100L);

        assertTrue(mesh(machine.processes(900, 1000)).sessionPeer(id).isEmpty());
    }

    @Test
    void sessionEndWhileItsServerStillRunsChangesNothing() throws IOException {
        ProjectIdentity id = project("backend");
        server(id, 100, 1000);
        Mesh hook = mesh(machine.processes(900, 1000));
        hook.startSession(id, "old-session", Duration.ofSeconds(5));
        hook.startSession(id, "new-session", Duration.ofSeconds(5)); // after /clear: same process, same server

        assertEquals(Optional.empty(), hook.endSession("old-session"));
        assertEquals(Optional.empty(), hook.endSession("new-session"), "the server still runs: /clear or /resume");

        Peer after = stored("backend");
        assertEquals(PeerState.ACTIVE, after.state());
        assertEquals(PeerStatus.ACTIVE, hook.statusOf(after));
    }

    @Test
    void sessionEndWithTheCurrentSessionIdTakesThePeerOfAStoppedServerOffline() throws IOException {
        ProjectIdentity id = project("backend");
        server(id, 100, 1000);
        Mesh hook = mesh(machine.processes(900, 1000));
        hook.startSession(id, "s1", Duration.ofSeconds(5));
        dead.add(100L); // Claude Code stops the server before SessionEnd runs

        assertEquals(Optional.empty(), hook.endSession("another"));
        assertEquals(Optional.of("backend"), hook.endSession("s1"));
        assertEquals(PeerState.OFFLINE, stored("backend").state());
    }

    @Test
    void twoSessionsStartingTogetherInOneProjectEachEndOnlyTheirOwnPeer() throws Exception {
        ProjectIdentity id = project("backend");
        // Both SessionStart hooks run before either MCP server has registered.
        var first = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> mesh(machine.processes(901, 1000)).startSession(id, "s1", Duration.ofSeconds(10)));
        var second = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> mesh(machine.processes(902, 2000)).startSession(id, "s2", Duration.ofSeconds(10)));
        withServer.add(1000L);
        withServer.add(2000L);
        Thread.sleep(100);
        Node one = server(id, 100, 1000);
        Node two = server(id, 200, 2000);
        assertEquals("backend", first.get(10, TimeUnit.SECONDS).orElseThrow().name());
        assertEquals("backend-2", second.get(10, TimeUnit.SECONDS).orElseThrow().name());
        assertEquals("backend", one.name());
        assertEquals("backend-2", two.name());

        dead.add(200L); // session 2 ends: Claude Code stops its server, then runs SessionEnd
        mesh(machine.processes(903, 2000)).endSession("s2");

        assertEquals(PeerState.ACTIVE, stored("backend").state(), "session 1's peer must stay online");
        assertEquals(PeerState.OFFLINE, stored("backend-2").state(), "session 2's peer must go offline");
    }

    @Test
    void aPromptOfTheSessionKeepsItsRecordedSessionIdCurrent() throws IOException {
        ProjectIdentity id = project("backend");
        server(id, 100, 1000);
        Mesh hook = mesh(machine.processes(900, 1000));
        Peer peer = hook.sessionPeer(id).orElseThrow();

        hook.confirmSession(peer, "mine");
        assertEquals(Optional.of("mine"), stored("backend").sessionId());
    }

    @Test
    void leaveAsServerDoesNotOfflineANameAnotherServerTookOver() throws IOException {
        ProjectIdentity id = project("backend");
        Node a = server(id, 100, 1000);
        dead.add(100L);
        server(id, 200, 2000);
        dead.remove(100L);

        a.mesh().leaveAsServer("backend");

        assertEquals(PeerState.ACTIVE, stored("backend").state());
        assertEquals(Optional.of(ref(200)), stored("backend").server());
    }

    // ------------------------------------------------------------------ status

    @Test
    void statusIsActiveWithinThirtyMinutesOfTheLastHeartbeat() throws IOException {
        Node a = server("backend", 100, 1000);
        clock.advance(Duration.ofMinutes(29));
        assertEquals(PeerStatus.ACTIVE, a.mesh().statusOf(stored("backend")));
    }

    @Test
    void statusIsStaleAfterThirtyOneMinutesWithoutHeartbeat() throws IOException {
        Node a = server("backend", 100, 1000);
        clock.advance(Duration.ofMinutes(31));
        assertEquals(PeerStatus.STALE, a.mesh().statusOf(stored("backend")));

        a.mesh().heartbeat("backend");
        assertEquals(PeerStatus.ACTIVE, a.mesh().statusOf(stored("backend")));
    }

    @Test
    void statusIsOfflineWhenTheServerProcessIsDead() throws IOException {
        Node a = server("backend", 100, 1000);
        dead.add(100L);
        assertEquals(PeerStatus.OFFLINE, a.mesh().statusOf(stored("backend")));
    }

    @Test
    void deadPidOnAnotherHostDoesNotMakeThePeerOffline() throws IOException {
        FakeMachine.FakeProcesses remote = machine.processes(100, 1000L);
        mesh(remote, "other-host").joinAsServer(project("backend"));
        dead.add(100L);

        assertEquals(PeerStatus.ACTIVE, mesh(machine.processes(900, 5000)).statusOf(stored("backend")));
    }

    @Test
    void listPeersLeavesOutSelfAndStaleUnlessAskedAndRespectsScope() throws IOException {
        Node a = server("alpha", 100, 1000);
        server("beta", 200, 2000);
        Node gamma = server("gamma", 300, 3000);
        clock.advance(Duration.ofMinutes(31));
        a.mesh().heartbeat("alpha");
        gamma.mesh().heartbeat("gamma");

        List<PeerView> active = a.mesh().listPeers("ALPHA", a.id(), PeerScope.MACHINE, false);
        assertEquals(List.of("gamma"), active.stream().map(PeerView::name).toList());

        List<PeerView> all = a.mesh().listPeers("alpha", a.id(), PeerScope.MACHINE, true);
        assertEquals(List.of("beta", "gamma"), all.stream().map(PeerView::name).toList());
        assertEquals(PeerStatus.STALE, all.get(0).status());

        assertTrue(a.mesh().listPeers("alpha", a.id(), PeerScope.DIRECTORY, true).isEmpty());
    }

    // ------------------------------------------------------------------ ask

    @Test
    void askStoresAPendingQuestionInTheTargetsInbox() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);

        Question q = alice.mesh().ask("alice", "BOB", "what port?", Duration.ofSeconds(60));

        assertTrue(q.id().startsWith("q_"));
        assertEquals("bob", q.target(), "the target is recorded under its stored name");
        assertEquals(T0.plusSeconds(60), q.expiresAt());
        Question stored = store.question(q.id()).orElseThrow();
        assertEquals(QuestionStatus.PENDING, stored.status());
        assertEquals(Optional.of(ref(100)), stored.askerProcess());
        assertEquals(1, store.unseenCount("bob", 100_000));
    }

    @Test
    void askingYourselfIsRejectedEvenInAnotherCase() throws IOException {
        Node alice = server("alice", 100, 1000);
        MeshException e = assertThrows(MeshException.class,
                () -> alice.mesh().ask("alice", "ALICE", "hi me", Duration.ofSeconds(60)));
        assertTrue(e.getMessage().contains("cannot ask itself"), e.getMessage());
        assertNothingAskedOf("alice");
    }

    @Test
    void askingAnUnknownPeerIsRejected() throws IOException {
        Node alice = server("alice", 100, 1000);
        MeshException e = assertThrows(MeshException.class,
                () -> alice.mesh().ask("alice", "nobody", "hello?", Duration.ofSeconds(60)));
        assertTrue(e.getMessage().contains("No peer named 'nobody'"), e.getMessage());
        assertNothingAskedOf("nobody");
    }

    @Test
    void askingAnInvalidNameIsRejected() throws IOException {
        Node alice = server("alice", 100, 1000);
        MeshException e = assertThrows(MeshException.class,
                () -> alice.mesh().ask("alice", "a/b", "hello?", Duration.ofSeconds(60)));
        assertTrue(e.getMessage().contains("not a valid peer name"), e.getMessage());
        assertNothingAskedOf("a/b");
    }

    @Test
    void askingAnOfflinePeerIsRejected() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        bob.mesh().leaveAsServer("bob");

        MeshException e = assertThrows(MeshException.class,
                () -> alice.mesh().ask("alice", "bob", "there?", Duration.ofSeconds(60)));
        assertTrue(e.getMessage().contains("offline"), e.getMessage());
        assertNothingAskedOf("bob");
    }

    @Test
    void askingAPeerWhoseServerDiedIsRejected() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        dead.add(200L);

        assertThrows(MeshException.class, () -> alice.mesh().ask("alice", "bob", "there?", Duration.ofSeconds(60)));
        assertNothingAskedOf("bob");
    }

    @Test
    void askingAStalePeerIsAllowed() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        clock.advance(Duration.ofMinutes(45));

        Question q = alice.mesh().ask("alice", "bob", "still there?", Duration.ofSeconds(60));
        assertEquals(QuestionStatus.PENDING, store.question(q.id()).orElseThrow().status());
    }

    @Test
    void emptyOrBlankQuestionIsRejected() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        for (String text : new String[] {"", "   \n ", null}) {
            MeshException e = assertThrows(MeshException.class,
                    () -> alice.mesh().ask("alice", "bob", text, Duration.ofSeconds(60)));
            assertTrue(e.getMessage().contains("empty"), e.getMessage());
        }
        assertNothingAskedOf("bob");
    }

    @Test
    void questionOverMaxMessageCharsIsRejectedNamingTheLimit() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);

        MeshException e = assertThrows(MeshException.class,
                () -> alice.mesh().ask("alice", "bob", "x".repeat(MAX_CHARS + 1), Duration.ofSeconds(60)));
        assertTrue(e.getMessage().contains(String.valueOf(MAX_CHARS)), e.getMessage());
        assertTrue(e.getMessage().contains("MESH_MAX_MESSAGE_CHARS"), e.getMessage());
        assertNothingAskedOf("bob");

        alice.mesh().ask("alice", "bob", "x".repeat(MAX_CHARS), Duration.ofSeconds(60));
        assertEquals(1, store.unseenCount("bob", 100_000), "exactly the limit is accepted");
    }

    @Test
    void timeoutOutsideOneToThreeThousandSixHundredSecondsIsRejected() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        for (Duration bad : List.of(Duration.ZERO, Duration.ofSeconds(-1), Duration.ofSeconds(3601))) {
            MeshException e = assertThrows(MeshException.class, () -> alice.mesh().ask("alice", "bob", "q", bad),
                    bad.toString());
            assertTrue(e.getMessage().contains("timeout_seconds"), e.getMessage());
        }
        assertNothingAskedOf("bob");

        alice.mesh().ask("alice", "bob", "q", Duration.ofSeconds(3600));
        alice.mesh().ask("alice", "bob", "q", Duration.ofSeconds(1));
        assertEquals(2, store.unseenCount("bob", 100_000), "1 s and 3600 s are both accepted");
    }

    // ------------------------------------------------------------------ reply

    @Test
    void replyAnswersAPendingQuestionAddressedToTheCaller() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));

        Question answered = bob.mesh().reply("BOB", "  " + q.id() + " ", "8080");

        assertEquals(QuestionStatus.ANSWERED, answered.status());
        assertEquals(Optional.of("8080"), answered.answer());
        assertEquals(Optional.of("8080"), store.question(q.id()).orElseThrow().answer());
    }

    @Test
    void replyToUnknownIdIsRejected() throws IOException {
        Node bob = server("bob", 200, 2000);
        MeshException e = assertThrows(MeshException.class, () -> bob.mesh().reply("bob", "q_doesnotexist", "x"));
        assertTrue(e.getMessage().contains("No question with id 'q_doesnotexist'"), e.getMessage());
        assertThrows(MeshException.class, () -> bob.mesh().reply("bob", " ", "x"));
    }

    @Test
    void replyToAQuestionAddressedToSomeoneElseIsRejected() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        Node carol = server("carol", 300, 3000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));

        MeshException e = assertThrows(MeshException.class, () -> carol.mesh().reply("carol", q.id(), "9090"));

        assertTrue(e.getMessage().contains("only 'bob' can answer"), e.getMessage());
        Question stored = store.question(q.id()).orElseThrow();
        assertEquals(QuestionStatus.PENDING, stored.status());
        assertEquals(Optional.empty(), stored.answer());
    }

    @Test
    void replyingTwiceIsRejectedAndKeepsTheFirstAnswer() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        bob.mesh().reply("bob", q.id(), "8080");

        MeshException e = assertThrows(MeshException.class, () -> bob.mesh().reply("bob", q.id(), "9090"));

        assertTrue(e.getMessage().contains("already answered"), e.getMessage());
        assertEquals(Optional.of("8080"), store.question(q.id()).orElseThrow().answer());
    }

    @Test
    void replyToAnExpiredQuestionIsRejected() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        clock.advance(Duration.ofSeconds(61));
        assertTrue(bob.mesh().openQuestionsFor("bob").isEmpty(), "the expired question is closed on the way");

        MeshException e = assertThrows(MeshException.class, () -> bob.mesh().reply("bob", q.id(), "8080"));

        assertTrue(e.getMessage().contains("expired"), e.getMessage());
        Question stored = store.question(q.id()).orElseThrow();
        assertEquals(QuestionStatus.EXPIRED, stored.status());
        assertEquals(Optional.empty(), stored.answer());
    }

    @Test
    void emptyOrOversizedAnswerIsRejectedAndLeavesTheQuestionPending() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));

        assertThrows(MeshException.class, () -> bob.mesh().reply("bob", q.id(), " "));
        assertThrows(MeshException.class, () -> bob.mesh().reply("bob", q.id(), "y".repeat(MAX_CHARS + 1)));

        assertEquals(QuestionStatus.PENDING, store.question(q.id()).orElseThrow().status());
    }

    // ------------------------------------------------------------------ awaiting answers

    @Test
    @Timeout(10)
    void awaitAnswerTimesOutAndExpiresTheQuestionWhenTheClockPassesExpiry() throws Exception {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(1));
        runClock(Duration.ofMillis(250), 50);

        AskOutcome out = alice.mesh().awaitAnswer(q, watch(), Duration.ofHours(1), d -> { });

        assertEquals(AskOutcome.TIMED_OUT, out.status());
        assertEquals(q.id(), out.questionId());
        assertEquals(Optional.empty(), out.answer());
        assertEquals(QuestionStatus.EXPIRED, store.question(q.id()).orElseThrow().status());
    }

    @Test
    @Timeout(10)
    void awaitAnswerAlreadyPastExpiryReturnsTimedOutAtOnce() throws IOException {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(5));
        clock.advance(Duration.ofSeconds(5));

        AskOutcome out = alice.mesh().awaitAnswer(q, watch(), Duration.ofHours(1), d -> { });

        assertEquals(AskOutcome.TIMED_OUT, out.status());
        assertEquals(QuestionStatus.EXPIRED, store.question(q.id()).orElseThrow().status());
    }

    @Test
    @Timeout(10)
    void awaitAnswerReturnsAnswerCommittedByAnotherStoreOnAnotherThread() throws Exception {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        CountDownLatch replied = new CountDownLatch(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();

        Thread other = new Thread(() -> {
            try (SqliteStore otherStore = SqliteStore.open(tmp.resolve("mesh.db"))) {
                Thread.sleep(200);
                Mesh bobElsewhere = new Mesh(otherStore, machine.processes(200, 2000L), clock, HOST, MAX_CHARS);
                bobElsewhere.reply("bob", q.id(), "8080");
                replied.countDown();
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "other-process");
        other.start();

        AskOutcome out = alice.mesh().awaitAnswer(q, watch(), Duration.ofHours(1), d -> { });
        other.join(5000);

        assertEquals(null, failure.get());
        assertTrue(replied.await(0, TimeUnit.SECONDS));
        assertEquals(AskOutcome.ANSWERED, out.status());
        assertEquals(Optional.of("8080"), out.answer());
        assertEquals("bob", out.from());
        assertEquals(QuestionStatus.ANSWERED, store.question(q.id()).orElseThrow().status());
    }

    @Test
    @Timeout(10)
    void awaitAnswerReturnsPeerOfflineWhenTheTargetsServerDies() throws Exception {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(600));
        dead.add(200L);
        runClock(Duration.ofMillis(250), 50);

        AskOutcome out = alice.mesh().awaitAnswer(q, watch(), Duration.ofHours(1), d -> { });

        assertEquals(AskOutcome.PEER_OFFLINE, out.status());
        assertEquals(QuestionStatus.EXPIRED, store.question(q.id()).orElseThrow().status());
    }

    @Test
    @Timeout(10)
    void awaitAnswerIsCancelledWhenTheWaitingThreadIsInterrupted() throws Exception {
        Node alice = server("alice", 100, 1000);
        server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        ChangeWatch w = watch();
        AtomicReference<AskOutcome> out = new AtomicReference<>();

        Thread waiter = new Thread(() -> out.set(alice.mesh().awaitAnswer(q, w, Duration.ofHours(1), d -> { })));
        waiter.start();
        waiter.interrupt();
        waiter.join(5000);

        assertEquals(AskOutcome.CANCELLED, out.get().status());
        assertEquals(QuestionStatus.CANCELLED, store.question(q.id()).orElseThrow().status());
    }

    @Test
    @Timeout(10)
    void awaitAnswerReportsAnAnswerThatArrivedBeforeTheWait() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        bob.mesh().reply("bob", q.id(), "8080");
        clock.advance(Duration.ofSeconds(120));

        AskOutcome out = alice.mesh().awaitAnswer(q, watch(), Duration.ofHours(1), d -> { });

        assertEquals(AskOutcome.ANSWERED, out.status());
        assertEquals(Optional.of("8080"), out.answer());
        assertEquals(QuestionStatus.ANSWERED, store.question(q.id()).orElseThrow().status());
    }

    // ------------------------------------------------------------------ open questions and Stop

    @Test
    void openQuestionsForListsPendingQuestionsOldestFirst() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q1 = alice.mesh().ask("alice", "bob", "one", Duration.ofSeconds(60));
        clock.advance(Duration.ofSeconds(1));
        Question q2 = alice.mesh().ask("alice", "bob", "two", Duration.ofSeconds(60));

        assertEquals(List.of(q1.id(), q2.id()), bob.mesh().openQuestionsFor("bob").stream().map(Question::id).toList());
    }

    @Test
    void questionWhoseAskerDiedIsClosedAsAbandonedAndNoLongerBlocksStop() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        assertTrue(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block(), "precondition: the live question blocks");
        dead.add(100L);

        assertTrue(bob.mesh().openQuestionsFor("bob").isEmpty());
        assertEquals(QuestionStatus.ABANDONED, store.question(q.id()).orElseThrow().status());
        assertFalse(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block());
        MeshException e = assertThrows(MeshException.class, () -> bob.mesh().reply("bob", q.id(), "8080"));
        assertTrue(e.getMessage().contains("abandoned"), e.getMessage());
    }

    @Test
    void questionFromAnAskerOnAnotherHostIsNotAbandonedForALocallyDeadPid() throws IOException {
        mesh(machine.processes(100, 1000L), "other-host").joinAsServer(project("alice"));
        Mesh remoteAlice = mesh(machine.processes(100, 1000L), "other-host");
        Node bob = server("bob", 200, 2000);
        Question q = remoteAlice.ask("alice", "bob", "port?", Duration.ofSeconds(60));
        dead.add(100L);

        assertEquals(List.of(q.id()), bob.mesh().openQuestionsFor("bob").stream().map(Question::id).toList());
        assertEquals(QuestionStatus.PENDING, store.question(q.id()).orElseThrow().status());
    }

    @Test
    void stopAllowsWhenNothingIsOpen() throws IOException {
        Node bob = server("bob", 200, 2000);
        StopVerdict v = bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL);
        assertFalse(v.block());
        assertTrue(v.questionIds().isEmpty());
    }

    @Test
    void stopBlocksNamingOpenQuestionsThenLetsGoOnceAllWereNamed() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q1 = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));

        StopVerdict first = bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL);
        assertTrue(first.block());
        assertEquals(List.of(q1.id()), first.questionIds());
        assertTrue(store.question(q1.id()).orElseThrow().namedAt().isPresent(), "the block names the question");

        StopVerdict second = bob.mesh().stopVerdict("bob", true, Optional.empty(), ALL);
        assertFalse(second.block(), "no second block for the same questions within one stop sequence");
    }

    @Test
    void stopBlocksAgainWhenANewQuestionArrivesAfterTheBlock() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q1 = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        assertTrue(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block());
        clock.advance(Duration.ofSeconds(1));
        Question q2 = alice.mesh().ask("alice", "bob", "host?", Duration.ofSeconds(60));

        StopVerdict v = bob.mesh().stopVerdict("bob", true, Optional.empty(), ALL);

        assertTrue(v.block());
        assertEquals(List.of(q2.id()), v.shown().items().stream().map(InboxItem::id).toList(), "the new one is shown");
        assertEquals(List.of(q1.id()), v.stillOpen().stream().map(Question::id).toList(), "the one shown before is named");
    }

    @Test
    void stopWithoutStopHookActiveBlocksAgainForNamedQuestions() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        assertTrue(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block());

        assertTrue(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block(), "a new stop sequence blocks again while the question is open");
    }

    @Test
    void stopOffersTheQuestionsItShowsSoNoOtherPathShowsThemAgain() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        assertTrue(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block());

        assertEquals("offered", store.receipts(q.id()).get(0).state(), "offered, not yet proven seen");
        assertEquals(Optional.of(Inbox.VIA_STOP), store.receipts(q.id()).get(0).offeredVia());
        assertTrue(take(bob.mesh(), "bob").isEmpty());
    }

    @Test
    void answeredQuestionNoLongerBlocksStop() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));
        bob.mesh().reply("bob", q.id(), "8080");

        assertFalse(bob.mesh().stopVerdict("bob", false, Optional.empty(), ALL).block());
    }

    // ------------------------------------------------------------------ inbox

    @Test
    void aHandOverReturnsEachItemOnce() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question q = alice.mesh().ask("alice", "bob", "port?", Duration.ofSeconds(60));

        List<InboxItem> first = take(bob.mesh(), "bob");
        assertEquals(1, first.size());
        InboxItem item = first.get(0);
        assertEquals(q.id(), item.id());
        assertEquals("alice", item.from());
        assertEquals("port?", item.body());
        assertEquals(InboxItem.QUESTION, item.kind());

        assertTrue(take(bob.mesh(), "bob").isEmpty());
        assertEquals(QuestionStatus.PENDING, store.question(q.id()).orElseThrow().status(),
                "reading a question does not answer it");
    }

    @Test
    void questionsNobodyWaitsForAreWithdrawnNotHandedOver() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        Question expiring = alice.mesh().ask("alice", "bob", "quick?", Duration.ofSeconds(5));
        Question lasting = alice.mesh().ask("alice", "bob", "slow?", Duration.ofSeconds(600));
        clock.advance(Duration.ofSeconds(10));

        List<InboxItem> got = take(bob.mesh(), "bob");

        assertEquals(List.of(lasting.id()), got.stream().map(InboxItem::id).toList());
        assertEquals(QuestionStatus.EXPIRED, store.question(expiring.id()).orElseThrow().status());
        assertEquals(0, store.unseenCount("bob", 100_000));
    }

    @Test
    void aHandOverStopsAtItsCharactersAndLeavesTheRest() throws IOException {
        Node alice = server("alice", 100, 1000);
        Node bob = server("bob", 200, 2000);
        alice.mesh().ask("alice", "bob", "a".repeat(30), Duration.ofSeconds(60));
        alice.mesh().ask("alice", "bob", "b".repeat(30), Duration.ofSeconds(60));

        assertEquals(1, take(bob.mesh(), "bob", 40).size());
        assertEquals(1, store.unseenCount("bob", 100_000));
        assertEquals("b".repeat(30), take(bob.mesh(), "bob", 40).get(0).body());
    }

    @Test
    void registerUpdatesSummaryAndRejectsAnOversizedOne() throws IOException {
        Node bob = server("bob", 200, 2000);
        Peer p = bob.mesh().register("bob", bob.id(), Optional.of("works on auth"));
        assertEquals("works on auth", p.summary());
        assertEquals("works on auth", stored("bob").summary());

        assertThrows(MeshException.class, () -> bob.mesh().register("bob", bob.id(), Optional.of("s".repeat(1001))));
        assertEquals("works on auth", stored("bob").summary());

        Peer kept = bob.mesh().register("bob", bob.id(), Optional.empty());
        assertEquals("works on auth", kept.summary(), "no summary given keeps the old one");
        assertNotEquals(PeerState.OFFLINE, kept.state());
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
