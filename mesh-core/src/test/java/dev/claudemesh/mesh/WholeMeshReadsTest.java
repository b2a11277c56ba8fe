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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What someone watching the whole mesh reads (the web view): every item once with all its recipients, its
 * question or task as it stands now, and a receipt per item and recipient. On a real SQLite file, with a clock and
 * a process table the test controls; none of these reads may change the mesh.
 */
class WholeMeshReadsTest {
    private static final String HOST = "test-host";
    private static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");
    private static final long START = 1_700_000_000_000L;

    @TempDir
    Path tmp;

    private SqliteStore store;
    private final AtomicReference<Instant> now = new AtomicReference<>(T0);
    private final Set<Long> dead = ConcurrentHashMap.newKeySet();
    private final Clock clock = new Clock() {
        @Override
        public Instant instant() {
            return now.get();
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    };

    @BeforeEach
    void openStore() {
        store = SqliteStore.open(tmp.resolve("mesh.db"));
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private final class FakeProcesses implements Processes {
        private final long self;

        FakeProcesses(long self) {
            this.self = self;
        }

        @Override
        public ProcessRef self() {
            return ref(self);
        }

        @Override
        public Optional<ProcessRef> parent() {
            return Optional.of(ref(self + 1));
        }

        @Override
        public List<ProcessRef> ancestors() {
            return List.of(ref(self + 1), ref(1));
        }

        @Override
        public boolean isAlive(ProcessRef ref) {
            return !dead.contains(ref.pid());
        }
    }

    private static ProcessRef ref(long pid) {
        return new ProcessRef(pid, START + pid);
    }

    /** Every session's transcript, as this test writes it: what each model was shown. */
    private final InboxTest.FakeLog log = new InboxTest.FakeLog();

    /** A server process for project {@code name}, joined under that name. */
    private Mesh server(String name, long pid) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("projects").resolve(name));
        Mesh m = new Mesh(store, new FakeProcesses(pid), clock, HOST, 1000, Duration.ofSeconds(30), log);
        assertEquals(name, m.joinAsServer(new ProjectIdentity(dir, dir, name)).name());
        return m;
    }

    /** The mesh as a watcher (the view) sees it: a process of its own, in no session. */
    private Mesh watcher() {
        return new Mesh(store, new FakeProcesses(900), clock, HOST, 1000);
    }

    private static String transcript(String name) {
        return "/sessions/" + name + ".jsonl";
    }

    /** What a hook of {@code name}'s session does: offers what waits, its proof expected in the session's transcript. */
    private List<String> offer(Mesh m, String name) {
        return m.inbox().offerNext(name, Inbox.VIA_PROMPT, Optional.of(transcript(name)), List.of(), 100,
                items -> new Inbox.Fitted(items, 0)).items().stream().map(InboxItem::id).toList();
    }

    /** The session's transcript shows item {@code id} to its model. */
    private void shown(String name, String id) {
        log.show(transcript(name), id);
    }

    /** What the session's server does about once a second: settles its offers against its transcript. */
    private void settle(Mesh m, String name) {
        m.settle(name, Optional.of(transcript(name)));
    }

    /** The receipt a watcher reads for item {@code id} and {@code recipient}: the item's own, or its answer's or result's. */
    private ItemStatus.Recipient receipt(String id, String recipient) {
        return receiptIfAny(id, recipient).orElseThrow(() -> new AssertionError("no receipt for " + id + " to " + recipient));
    }

    private Optional<ItemStatus.Recipient> receiptIfAny(String id, String recipient) {
        return watcher().recentItems(100).stream().filter(i -> i.sent().id().equals(id))
                .flatMap(i -> java.util.stream.Stream.concat(i.delivery().stream(), i.reply().stream()))
                .filter(r -> r.name().equals(recipient)).findFirst();
    }

    private static void assertReceipt(String state, Optional<Instant> at, ItemStatus.Recipient r) {
        assertEquals(state, r.state(), r.toString());
        Optional<Instant> when = switch (state) {
            case "queued" -> Optional.of(r.queuedAt());
            case "offered" -> r.offeredAt();
            case "seen" -> r.seenAt();
            default -> r.endedAt();
        };
        assertEquals(at, when, r.toString());
    }

    @Test
    void everyItemAppearsOnceWithAllItsRecipientsByNameOldestFirst() throws IOException {
        Mesh alice = server("alice", 100);
        Mesh bob = server("Bob", 200);
        server("carol", 300);
        Question q = alice.ask("alice", "bob", "which port?", Duration.ofMinutes(5));
        now.set(T0.plusSeconds(1));
        Delivery m = bob.tell("Bob", "alice", "see the README");
        now.set(T0.plusSeconds(2));
        Delivery b = alice.broadcast("alice", "deploying now", Optional.empty());

        List<ItemView> items = watcher().recentItems(100);

        assertEquals(List.of(q.id(), m.id(), b.id()), items.stream().map(i -> i.sent().id()).toList());
        assertEquals(List.of("Bob"), items.get(0).sent().recipients(), "addressed by the stored key, shown by the name");
        assertEquals("which port?", items.get(0).sent().body());
        assertEquals(QuestionStatus.PENDING, items.get(0).question().orElseThrow().status());
        assertEquals("Bob", items.get(1).sent().from());
        assertEquals(T0.plusSeconds(1), items.get(1).sent().sentAt());
        assertEquals(Set.of("Bob", "carol"), Set.copyOf(items.get(2).sent().recipients()), "one broadcast, one item");
        assertEquals(InboxItem.BROADCAST, items.get(2).sent().kind());
        assertTrue(items.get(2).sent().topic().isEmpty());

        assertEquals(List.of(m.id(), b.id()), watcher().recentItems(2).stream().map(i -> i.sent().id()).toList(),
                "the newest items, still oldest first");
    }

    @Test
    void aQuestionsReceiptGoesQueuedThenOfferedThenSeenThenAnswered() throws IOException {
        Mesh alice = server("alice", 100);
        Mesh bob = server("bob", 200);
        Question q = alice.ask("alice", "bob", "which port?", Duration.ofMinutes(5));

        assertReceipt("queued", Optional.of(T0), receipt(q.id(), "bob"));

        now.set(T0.plusSeconds(3));
        assertEquals(List.of(q.id()), offer(bob, "bob"));
        assertReceipt("offered", Optional.of(T0.plusSeconds(3)), receipt(q.id(), "bob"));
        assertEquals(Optional.of(Inbox.VIA_PROMPT), receipt(q.id(), "bob").offeredVia());

        now.set(T0.plusSeconds(4));
        shown("bob", q.id());
        settle(bob, "bob");
        assertReceipt("seen", Optional.of(T0.plusSeconds(4)), receipt(q.id(), "bob"));
        assertEquals(Optional.of(Inbox.SEEN_IN_TRANSCRIPT), receipt(q.id(), "bob").seenVia());

        now.set(T0.plusSeconds(7));
        bob.reply("bob", q.id(), "8080");
        assertReceipt("answered", Optional.of(T0.plusSeconds(7)), receipt(q.id(), "bob"));
        List<ItemView> items = watcher().recentItems(10);
        assertEquals(1, items.size(), "the answer is folded into its question: " + items);
        Question shown = items.get(0).question().orElseThrow();
        assertEquals(QuestionStatus.ANSWERED, shown.status());
        assertEquals(Optional.of("8080"), shown.answer());
        assertEquals(List.of("bob"), items.get(0).sent().recipients());
        assertEquals(List.of("bob"), items.get(0).delivery().stream().map(ItemStatus.Recipient::name).toList(),
                "the answer's row is the asker's mail, not a recipient of the question");
        assertReceipt("queued", Optional.of(T0.plusSeconds(7)), receipt(q.id(), "alice"));
        now.set(T0.plusSeconds(8));
        offer(alice, "alice");
        assertReceipt("offered", Optional.of(T0.plusSeconds(8)), receipt(q.id(), "alice"));
    }

    @Test
    void anOfferedItemStaysOfferedUntilItsSessionSettlesItAgainstTheTranscript() throws IOException {
        Mesh alice = server("alice", 100);
        Mesh bob = server("bob", 200);
        Delivery m = alice.tell("alice", "bob", "the build is green");
        offer(bob, "bob");
        shown("bob", m.id());

        assertEquals("offered", receipt(m.id(), "bob").state(), "a watcher reads what the store holds: it settles nothing");
        assertEquals("offered", store.receipts(m.id()).get(0).state());

        settle(bob, "bob");
        assertEquals("seen", receipt(m.id(), "bob").state());
    }

    @Test
    void aQuestionOlderThanTheWindowStillAppearsThroughItsAnswer() throws IOException {
        Mesh alice = server("alice", 100);
        Mesh bob = server("bob", 200);
        Question q = alice.ask("alice", "bob", "which port?", Duration.ofMinutes(5));
        for (int i = 0; i < 3; i++) {
            bob.tell("bob", "alice", "note " + i);
        }
        bob.reply("bob", q.id(), "8080");

        List<ItemView> items = watcher().recentItems(2);

        ItemView last = items.get(items.size() - 1);
        assertEquals(q.id(), last.sent().id());
        assertEquals(InboxItem.QUESTION, last.sent().kind());
        assertEquals("alice", last.sent().from());
        assertEquals(List.of("bob"), last.sent().recipients());
        assertEquals("which port?", last.sent().body());
        assertEquals(Optional.of("8080"), last.question().orElseThrow().answer());
    }

    @Test
    void aBroadcastHasAReceiptPerRecipientAndNoneForOthers() throws IOException {
        Mesh alice = server("alice", 100);
        Mesh bob = server("bob", 200);
        Mesh carol = server("carol", 300);
        bob.subscribe("bob", "schema");
        carol.subscribe("carol", "schema");
        Delivery b = alice.broadcast("alice", "users.email is NOT NULL", Optional.of("schema"));
        offer(bob, "bob");

        assertEquals("offered", receipt(b.id(), "bob").state());
        assertEquals("queued", receipt(b.id(), "carol").state());
        assertEquals(Optional.empty(), receiptIfAny(b.id(), "alice"), "the sender is no recipient");
        assertEquals(Optional.of("schema"), watcher().recentItems(10).get(0).sent().topic());
    }

    @Test
    void aTaskShowsItsResultAndItsResultHasAReceiptForTheDelegator() throws IOException {
        Mesh alice = server("alice", 100);
        Mesh bob = server("bob", 200);
        Task t = alice.delegate("alice", "bob", "add /health", Optional.of("for the proxy"));
        assertEquals("queued", receipt(t.id(), "bob").state());

        offer(bob, "bob");
        assertEquals("offered", receipt(t.id(), "bob").state());
        now.set(T0.plusSeconds(9));
        bob.complete("bob", t.id(), TaskStatus.COMPLETED, "done in health.go");

        List<ItemView> items = watcher().recentItems(10);
        assertEquals(1, items.size(), "the result is folded into its task: " + items);
        Task shown = items.get(0).task().orElseThrow();
        assertEquals(TaskStatus.COMPLETED, shown.status());
        assertEquals(Optional.of("done in health.go"), shown.result());
        assertEquals(Optional.of("for the proxy"), shown.context());
        assertReceipt("completed", Optional.of(T0.plusSeconds(9)), receipt(t.id(), "bob"));
        assertEquals("queued", receipt(t.id(), "alice").state(), "the result waits for the delegator");
        assertEquals(List.of("bob"), items.get(0).delivery().stream().map(ItemStatus.Recipient::name).toList());
        offer(alice, "alice");
        assertEquals("offered", receipt(t.id(), "alice").state());
    }

    @Test
    void aTaskOlderThanTheWindowStillAppearsThroughItsResult() throws IOException {
        Mesh alice = server("alice", 100);
        Mesh bob = server("bob", 200);
        Task t = alice.delegate("alice", "bob", "add /health", Optional.empty());
        for (int i = 0; i < 3; i++) {
            bob.tell("bob", "alice", "note " + i);
        }
        bob.complete("bob", t.id(), TaskStatus.FAILED, "no access to that repo");

        List<ItemView> items = watcher().recentItems(2);

        ItemView last = items.get(items.size() - 1);
        assertEquals(t.id(), last.sent().id());
        assertEquals(InboxItem.TASK, last.sent().kind());
        assertEquals("alice", last.sent().from());
        assertEquals(List.of("bob"), last.sent().recipients());
        assertEquals(TaskStatus.FAILED, last.task().orElseThrow().status());
    }

    @Test
    void aQuestionNobodyWaitsForIsShownAsEndedButReadingClosesNothing() throws IOException {
        Mesh alice = server("alice", 100);
        server("bob", 200);
        Mesh carol = server("carol", 300);
        Question late = alice.ask("alice", "bob", "still there?", Duration.ofSeconds(30));
        Question orphan = carol.ask("carol", "bob", "and you?", Duration.ofMinutes(10));
        now.set(T0.plusSeconds(31));
        dead.add(300L); // carol's server, which asked and waited

        assertReceipt("expired", Optional.of(T0.plusSeconds(30)), receipt(late.id(), "bob"));
        assertReceipt("abandoned", Optional.empty(), receipt(orphan.id(), "bob"));
        List<ItemView> items = watcher().recentItems(10);
        assertEquals(QuestionStatus.EXPIRED, items.get(0).question().orElseThrow().status());
        assertEquals(QuestionStatus.ABANDONED, items.get(1).question().orElseThrow().status());

        assertEquals(QuestionStatus.PENDING, store.question(late.id()).orElseThrow().status(), "reading closes nothing");
        assertEquals(QuestionStatus.PENDING, store.question(orphan.id()).orElseThrow().status());
        assertEquals(2, store.unseenCount("bob", 100), "and delivers nothing");
        assertEquals("queued", store.receipts(late.id()).get(0).state());
    }
}
