package dev.claudemesh.mcp;

import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.Inbox;
import dev.claudemesh.mesh.ItemStatus;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.MutableClock;
import dev.claudemesh.mesh.Processes;
import dev.claudemesh.mesh.SeenLog;
import dev.claudemesh.store.SqliteStore;
import io.modelcontextprotocol.spec.McpServerTransportProviderBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's pushes of channel events, one round at a time, on a real SQLite file: what an event carries, when
 * a push counts as seen, and what happens when Claude Code does not take channel events. The transcript is a
 * log the test writes verdicts into, as Claude Code would record them; the transport records what was sent.
 */
class ChannelPusherTest {
    @TempDir
    Path tmp;

    private SqliteStore store;
    private final MutableClock clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
    private final Transcript transcript = new Transcript();
    private final Transport transport = new Transport();
    private Mesh mesh;
    private ChannelPusher pusher;

    /** A session's transcript as the test makes Claude Code write it: which ids were queued, which shown. */
    static final class Transcript implements SeenLog {
        final Set<String> enqueued = new HashSet<>();
        final Set<String> shown = new HashSet<>();

        @Override
        public synchronized Scan scan(String log, long from, Collection<String> ids) {
            return new Scan(from, Set.copyOf(shown), Set.copyOf(enqueued), -1, -1);
        }

        @Override
        public long end(String log) {
            return 0;
        }
    }

    /** Claude Code's end of the stdio transport: every notification sent, or a failure when told to fail. */
    static final class Transport implements McpServerTransportProviderBase {
        final List<Map<String, Object>> sent = new CopyOnWriteArrayList<>();
        volatile boolean failing;

        @Override
        @SuppressWarnings("unchecked")
        public Mono<Void> notifyClients(String method, Object params) {
            assertEquals(ChannelPusher.METHOD, method);
            if (failing) {
                return Mono.error(new IllegalStateException("stdout closed"));
            }
            sent.add((Map<String, Object>) params);
            return Mono.empty();
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.empty();
        }

        String content(int i) {
            return (String) sent.get(i).get("content");
        }

        @SuppressWarnings("unchecked")
        Map<String, String> meta(int i) {
            return (Map<String, String>) sent.get(i).get("meta");
        }
    }

    @BeforeEach
    void openMesh() throws Exception {
        store = SqliteStore.open(tmp.resolve("mesh.db"));
        mesh = new Mesh(store, Processes.LOCAL, clock, "test-host", 20_000, Duration.ofSeconds(60), transcript);
        for (String name : List.of("alice", "bob")) {
            Path dir = Files.createDirectories(tmp.resolve(name));
            mesh.joinAs(name, new ProjectIdentity(dir, dir, name), name + "'s session");
        }
        mesh.recordTranscript(mesh.peer("bob").orElseThrow(), Optional.of(tmp.resolve("bob.jsonl").toString()));
        pusher = pusher(true);
    }

    private ChannelPusher pusher(boolean push) {
        return new ChannelPusher(mesh, ChangeWatch.on(store, 50), transport, new AtomicReference<>("bob"),
                new CountDownLatch(0), push);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    private String stateFor(String id) {
        ItemStatus s = mesh.itemStatus("bob", id);
        return s.recipients().get(0).state();
    }

    private void later(Duration d) {
        clock.advance(d);
    }

    @Test
    void eachQueuedItemIsPushedAsOneEventFramedAsFromItsPeer() {
        String id = mesh.tell("alice", "bob", "the build is green").id();
        pusher.round();
        assertEquals(1, transport.sent.size());
        String content = transport.content(0);
        assertTrue(content.startsWith("<peer_message from=\"alice\" sent_at=\"2025-03-01T12:00:00Z\" message_id=\"" + id
                + "\" boundary=\""), content);
        assertTrue(content.contains("\">\nthe build is green\n</peer_message boundary=\""), content);
        assertTrue(content.endsWith("No reply is required."), content);
        assertEquals(Map.of("from", "alice", "kind", "message", "sent_at", "2025-03-01T12:00:00Z", "message_id", id),
                transport.meta(0));
        assertEquals("offered", stateFor(id));
        assertEquals(List.of("channel"), mesh.itemStatus("bob", id).recipients().stream()
                .map(r -> r.offeredVia().orElse("")).toList());
    }

    @Test
    void aQuestionsEventSaysHowToAnswerIt() {
        String id = mesh.ask("alice", "bob", "which port?", Duration.ofMinutes(5)).id();
        pusher.round();
        assertTrue(transport.content(0).endsWith("reply_to_peer with the question_id above."), transport.content(0));
        assertEquals(id, transport.meta(0).get("question_id"));
    }

    @Test
    void aPushCountsAsSeenOnlyOnceTheTranscriptShowsIt() {
        String id = mesh.tell("alice", "bob", "hello").id();
        pusher.round();
        synchronized (transcript) {
            transcript.enqueued.add(id);
        }
        later(Duration.ofSeconds(30));
        pusher.round();
        assertEquals("offered", stateFor(id), "queued for the model's next turn is not seen yet");
        assertTrue(pusher.pushing());
        synchronized (transcript) {
            transcript.shown.add(id);
        }
        pusher.round();
        assertEquals("seen", stateFor(id));
        assertEquals(1, transport.sent.size(), "a seen item is never pushed again");
    }

    @Test
    void untilClaudeCodeAcceptsOneEventOnlyOnePushWaitsForItsVerdict() {
        String first = mesh.tell("alice", "bob", "one").id();
        pusher.round();
        String second = mesh.tell("alice", "bob", "two").id();
        pusher.round();
        assertEquals(1, transport.sent.size(), "the second waits while the first's verdict is pending");
        assertEquals("queued", stateFor(second));
        synchronized (transcript) {
            transcript.enqueued.add(first);
        }
        pusher.round();
        assertEquals(2, transport.sent.size(), "once the channel is proven, the next push goes");
        assertEquals(second, transport.meta(1).get("message_id"));
    }

    @Test
    void whenClaudeCodeNeverAcceptsAPushTheServerStopsPushingAndTheItemGoesBackToTheQueue() {
        String id = mesh.tell("alice", "bob", "anyone there?").id();
        pusher.round();
        later(Inbox.CHANNEL_VERDICT.plusMillis(1));
        pusher.round();
        assertFalse(pusher.pushing(), "this session does not take channel events");
        assertEquals("queued", stateFor(id), "back for the hooks and poll_inbox");
        mesh.tell("alice", "bob", "still there?");
        pusher.round();
        assertEquals(1, transport.sent.size(), "nothing more is pushed");
    }

    @Test
    void withoutATranscriptToProveItByNothingIsPushed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("carol"));
        mesh.joinAs("carol", new ProjectIdentity(dir, dir, "carol"), "no transcript yet");
        String id = mesh.tell("alice", "carol", "hi").id();
        new ChannelPusher(mesh, ChangeWatch.on(store, 50), transport, new AtomicReference<>("carol"), new CountDownLatch(0), true)
                .round();
        assertTrue(transport.sent.isEmpty());
        assertEquals("queued", mesh.itemStatus("carol", id).recipients().get(0).state());
    }

    @Test
    void withChannelsOffOffersAreSettledButNothingIsPushed() {
        String id = mesh.tell("alice", "bob", "hi").id();
        pusher(false).round();
        assertTrue(transport.sent.isEmpty());
        assertEquals("queued", stateFor(id));
    }

    @Test
    void anItemTooLongForOneEventIsLeftForPollInbox() {
        String big = mesh.tell("alice", "bob", "x".repeat(ChannelPusher.EVENT_LIMIT)).id();
        String small = mesh.tell("alice", "bob", "short").id();
        pusher.round();
        assertEquals(1, transport.sent.size());
        assertEquals(small, transport.meta(0).get("message_id"));
        assertEquals("queued", stateFor(big));
    }

    @Test
    void aPushThatFailsPutsWhatItTookBackInTheQueue() {
        String id = mesh.tell("alice", "bob", "hi").id();
        transport.failing = true;
        assertThrows(IllegalStateException.class, pusher::round);
        assertEquals("queued", stateFor(id));
        transport.failing = false;
        pusher.round();
        assertEquals(1, transport.sent.size(), "the next round pushes it again");
    }
}
