package dev.claudemesh.store;

import dev.claudemesh.config.DbUrl;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.mesh.Outgoing;
import dev.claudemesh.mesh.StoreException;
import dev.claudemesh.mesh.StoreUnavailableException;
import dev.claudemesh.testing.TestDatabases;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store contract on PostgreSQL, and what only PostgreSQL has: notifications, reconnection, credentials
 * kept out of every message. Runs in the build's PostgreSQL pass (MESH_TEST_PG_URL set), a database per test.
 */
@Tag("postgresql-only")
class PostgresStoreIT extends StoreContractTest {
    private final List<String> databases = new ArrayList<>();
    private final List<MeshStore> opened = new ArrayList<>();
    private String url;
    private MeshStore mesh;

    @AfterEach
    void cleanUp() {
        opened.forEach(MeshStore::close);
        databases.forEach(TestDatabases::drop);
    }

    private String url() {
        if (url == null) {
            url = TestDatabases.create();
            databases.add(url);
        }
        return url;
    }

    private MeshStore open(String u) {
        MeshStore s = PostgresStore.open(new DbUrl(u), 10);
        opened.add(s);
        return s;
    }

    @Override
    MeshStore store() {
        if (mesh == null) {
            mesh = open(url());
        }
        return mesh;
    }

    @Override
    MeshStore second() {
        return open(url());
    }

    @Test
    void aNewDatabaseGetsTheNewestSchemaFromItsOwnMigrations() throws IOException {
        assertEquals(SchemaMigrations.LATEST, store().schemaVersion());
        // Both backends carry the same versions: a migration added for one and not the other fails here.
        assertEquals(versions("db/migration"), versions("db/postgresql"));
    }

    private static Set<String> versions(String dir) throws IOException {
        Path root = dev.claudemesh.testing.MeshFixture.repoRoot().resolve("mesh-core/src/main/resources").resolve(dir);
        try (Stream<Path> files = Files.list(root)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("V"))
                    .map(n -> n.substring(1, n.indexOf("__"))).collect(Collectors.toSet());
        }
    }

    @Test
    void severalProcessesOpeningANewDatabaseAtOnceMigrateItOnce() throws Exception {
        String u = url();
        CountDownLatch go = new CountDownLatch(1);
        ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    try (MeshStore s = PostgresStore.open(new DbUrl(u), 10)) {
                        assertEquals(SchemaMigrations.LATEST, s.schemaVersion());
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertTrue(failures.isEmpty(), failures.toString());
        try (Connection c = TestDatabases.connect(u); Statement s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM flyway_schema_history WHERE success")) {
            rs.next();
            assertEquals(Integer.parseInt(SchemaMigrations.LATEST), rs.getInt(1), "each migration applied once");
        }
    }

    @Test
    void listenersHearAnotherProcesssCommitWithoutPolling() throws Exception {
        MeshStore a = store();
        MeshStore b = second();
        CountDownLatch heard = new CountDownLatch(1);
        a.onChange(heard::countDown);
        assertTrue(a.pushesChanges());

        b.addQuestion(question("q_1", "alice", "bob", "ping"));

        assertTrue(heard.await(10, TimeUnit.SECONDS), "no notification reached the listener");
    }

    @Test
    void racingReadersOfferEachItemExactlyOnce() throws Exception {
        MeshStore writer = store();
        for (int i = 0; i < 300; i++) {
            writer.deliver(new Outgoing("m_" + i, InboxItem.MESSAGE, "alice", "body " + i, null, null, null, T0), List.of("bob"));
        }
        List<MeshStore> readers = IntStream.range(0, 4).mapToObj(i -> second()).toList();
        ConcurrentLinkedQueue<String> taken = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (MeshStore r : readers) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    // Each reader offers what it read; the store's compare-and-set gives each item to one of them.
                    List<InboxItem> got;
                    while (!(got = r.offerable("bob", List.of(), 20)).isEmpty()) {
                        taken.addAll(r.offer("bob", got.stream().map(InboxItem::id).toList(), "prompt", null, 0, T0));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertEquals(300, taken.size(), "items taken twice or not at all");
        assertEquals(300, new HashSet<>(taken).size());
    }

    @Test
    void aConnectionCutByTheServerIsMadeAgainOnTheNextCall() throws Exception {
        MeshStore s = store();
        s.addQuestion(question("q_1", "alice", "bob", "before"));
        terminateOtherConnections(url());

        // The dead connection is found at the start of the next call, which connects again and succeeds.
        assertEquals("before", s.question("q_1").orElseThrow().body());
        s.addQuestion(question("q_2", "alice", "bob", "after"));
        assertEquals(2, s.unseenCount("bob", 100));
    }

    @Test
    void theListenerComesBackAfterItsConnectionIsCutAndWakesEveryone() throws Exception {
        MeshStore a = store();
        MeshStore b = second();
        long before = a.changeCounter();
        terminateOtherConnections(url());
        assertCounterMoves(a, before); // the reconnection itself counts: notifications may have been missed

        CountDownLatch heard = new CountDownLatch(1);
        a.onChange(heard::countDown);
        b.addQuestion(question("q_1", "alice", "bob", "after the cut"));
        assertTrue(heard.await(10, TimeUnit.SECONDS));
    }

    @Test
    void aListenerWhoseNetworkSilentlyDiesNoticesAndListensAgain() throws Exception {
        java.net.URI server = java.net.URI.create(url().substring("jdbc:".length()));
        try (dev.claudemesh.testing.TcpProxy proxy = new dev.claudemesh.testing.TcpProxy(server.getHost(), server.getPort())) {
            // socketTimeout=3: how long the driver waits for an answer before calling the connection dead.
            MeshStore a = open(TestDatabases.withHostPort(url(), "127.0.0.1:" + proxy.port()) + "&socketTimeout=3");
            MeshStore b = second();
            CountDownLatch first = new CountDownLatch(1);
            a.onChange(first::countDown);
            b.addQuestion(question("q_1", "alice", "bob", "before"));
            assertTrue(first.await(10, TimeUnit.SECONDS), "the listener works through the relay");

            proxy.blackHole(); // no reset, no close: the LISTEN connection just stops hearing anything
            CountDownLatch heard = new CountDownLatch(1);
            a.onChange(heard::countDown);
            b.addQuestion(question("q_2", "alice", "bob", "into the void"));

            // Its NOTIFY is lost; the listener must find out by itself that its connection is dead, connect
            // again and wake everyone (who then read what they missed).
            assertTrue(heard.await(30, TimeUnit.SECONDS), "the listener never noticed its dead connection");
        }
    }

    @Test
    void anUnreachableServerIsReportedAsUnavailableWithoutTheCredentials() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        String u = TestDatabases.withHostPort(url(), "127.0.0.1:" + port);
        StoreException e = assertThrows(StoreException.class, () -> PostgresStore.open(new DbUrl(u), 2));
        assertInstanceOf(StoreUnavailableException.class, e);
        assertTrue(e.getMessage().contains("cannot reach the mesh database postgresql://127.0.0.1:" + port + "/"), e.getMessage());
        assertNoSecrets(e.getMessage());
    }

    @Test
    void aWrongPasswordSaysSoAndNeverShowsIt() {
        String u = url().replaceAll("password=[^&]*", "password=not-the-Secret-42");
        StoreException e = assertThrows(StoreException.class, () -> PostgresStore.open(new DbUrl(u), 2));
        assertTrue(e.getMessage().contains("refused the login"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-Secret-42"), e.getMessage());
        assertNoSecrets(e.getMessage());
    }

    @Test
    void aMissingDatabaseSaysHowToCreateIt() {
        String u = TestDatabases.withDatabase(url(), "mt_does_not_exist");
        StoreException e = assertThrows(StoreException.class, () -> PostgresStore.open(new DbUrl(u), 2));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("createdb"), e.getMessage());
    }

    private static void assertNoSecrets(String message) {
        String admin = TestDatabases.adminUrl();
        String password = admin.replaceAll(".*password=([^&]*).*", "$1");
        assertFalse(message.contains(password), "the password leaked: " + message);
        assertFalse(message.contains("password="), message);
    }

    private static void terminateOtherConnections(String u) throws Exception {
        String db = new DbUrl(u).database();
        try (Connection c = TestDatabases.connect(TestDatabases.adminUrl()); Statement s = c.createStatement()) {
            s.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
        }
    }
}
