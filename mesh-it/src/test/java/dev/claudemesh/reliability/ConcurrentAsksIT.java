package dev.claudemesh.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.RawServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A waiting ask holds no worker: many at once in one server leave every other call of that server answered,
 * and servers asking each other while answering do not deadlock. Times are printed, never asserted; the waits
 * for responses only bound how long a broken server may keep the test hanging.
 */
class ConcurrentAsksIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;
    final List<RawServer> servers = new CopyOnWriteArrayList<>();

    @AfterEach
    void tearDown() {
        servers.forEach(RawServer::close);
        if (mesh != null) {
            mesh.close();
        }
    }

    RawServer start(String name) throws Exception {
        RawServer s = RawServer.started(mesh.env(mesh.project(name)));
        servers.add(s);
        return s;
    }

    @Test
    void aThousandWaitingAsksInOneServerLeaveEveryOtherCallAnsweredPromptly() throws Exception {
        mesh = new MeshFixture(tmp);
        RawServer backend = start("backend");
        RawServer frontend = start("frontend");
        int asks = 1000;
        long t0 = System.nanoTime();
        for (int i = 0; i < asks; i++) {
            frontend.callTool("ask-" + i, "ask_peer", Map.of("to", "backend", "question", "q" + i, "timeout_seconds", 600));
        }
        awaitCount("SELECT count(*) FROM questions WHERE asker = 'frontend' AND status = 'pending'", asks);
        System.out.printf("%d asks waiting in one server after %d ms%n", asks, ms(t0));

        // Every other call of the asking server is served while they all wait.
        long t = System.nanoTime();
        assertFalse(frontend.call("list_peers", Map.of(), 120).path("isError").asBoolean());
        System.out.printf("list_peers answered in %d ms with %d asks waiting%n", ms(t), asks);
        backend.callTool("reverse", "ask_peer", Map.of("to", "frontend", "question", "and you?", "timeout_seconds", 600));
        awaitCount("SELECT count(*) FROM questions WHERE asker = 'backend'", 1);
        t = System.nanoTime();
        JsonNode inbox = frontend.call("poll_inbox", Map.of(), 120).path("structuredContent").path("items");
        System.out.printf("poll_inbox answered in %d ms%n", ms(t));
        assertEquals(1, inbox.size(), inbox.toString());
        t = System.nanoTime();
        JsonNode reply = frontend.call("reply_to_peer", Map.of("question_id", inbox.get(0).path("id").asText(),
                "answer", "fine"), 120);
        System.out.printf("reply_to_peer answered in %d ms%n", ms(t));
        assertEquals("delivered", reply.path("structuredContent").path("status").asText(), reply.toString());
        assertEquals("answered", backend.response("reverse", 120).path("result").path("structuredContent").path("status").asText());

        // Then every one of them gets its own answer.
        t = System.nanoTime();
        answerAll(backend, asks);
        for (int i = 0; i < asks; i++) {
            JsonNode r = frontend.response("ask-" + i, 120).path("result").path("structuredContent");
            assertEquals("answered", r.path("status").asText(), r.toString());
            assertEquals("answer to q" + i, r.path("answer").asText());
        }
        System.out.printf("%d asks answered and returned in %d ms%n", asks, ms(t));
        assertEquals("0", mesh.row("SELECT count(*) FROM inbox WHERE recipient = 'frontend' AND state IN ('queued', 'offered')"),
                "answers the calls returned are not delivered again");
    }

    @Test
    void sixServersAskingFortyQuestionsEachOfEachOtherWhileAnsweringAllGetAnswered() throws Exception {
        mesh = new MeshFixture(tmp);
        int n = 6;
        int each = 40;
        List<RawServer> peers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            peers.add(start("p" + i));
        }
        AtomicBoolean done = new AtomicBoolean();
        Set<String> answerItemsSeen = ConcurrentHashMap.newKeySet();
        List<Thread> answerers = new ArrayList<>();
        for (RawServer p : peers) {
            Thread a = new Thread(() -> {
                try {
                    while (!done.get()) {
                        JsonNode items = p.call("poll_inbox", Map.of(), 120).path("structuredContent").path("items");
                        for (JsonNode it : items) {
                            if ("answer".equals(it.path("kind").asText())) {
                                answerItemsSeen.add(it.path("id").asText());
                            } else if ("question".equals(it.path("kind").asText())) {
                                p.call("reply_to_peer", Map.of("question_id", it.path("id").asText(),
                                        "answer", "answer to " + it.path("body").asText()), 120);
                            }
                        }
                        if (items.isEmpty()) {
                            Thread.sleep(20);
                        }
                    }
                } catch (Exception e) {
                    if (!done.get()) {
                        throw new IllegalStateException(e);
                    }
                } catch (AssertionError e) {
                    if (!done.get()) {
                        throw e;
                    }
                }
            });
            a.setDaemon(true);
            a.start();
            answerers.add(a);
        }
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < each; k++) {
                int to = (i + 1 + k % (n - 1)) % n;
                peers.get(i).callTool("a" + i + "-" + k, "ask_peer", Map.of("to", "p" + to,
                        "question", "p" + i + "#" + k, "timeout_seconds", 600));
            }
        }
        int answered = 0;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < each; k++) {
                JsonNode r = peers.get(i).response("a" + i + "-" + k, 180).path("result").path("structuredContent");
                assertEquals("answered", r.path("status").asText(), r.toString());
                assertEquals("answer to p" + i + "#" + k, r.path("answer").asText());
                answered++;
            }
        }
        System.out.printf("%d servers x %d asks of each other: all %d answered in %d ms%n", n, each, answered, ms(t0));
        done.set(true);
        assertEquals(n * each, answered);
        assertEquals(Set.of(), answerItemsSeen, "an answer its call returned is never delivered again");
    }

    // ------------------------------------------------------------------ helpers

    /** Replies to every question waiting for {@code backend}, from a few threads at once. */
    static void answerAll(RawServer backend, int expected) throws Exception {
        List<String> ids = new ArrayList<>();
        Map<String, String> bodies = new ConcurrentHashMap<>();
        while (ids.size() < expected) {
            JsonNode items = backend.call("poll_inbox", Map.of(), 120).path("structuredContent").path("items");
            for (JsonNode it : items) {
                if ("question".equals(it.path("kind").asText())) {
                    ids.add(it.path("id").asText());
                    bodies.put(it.path("id").asText(), it.path("body").asText());
                }
            }
        }
        List<Thread> repliers = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (int w = 0; w < 4; w++) {
            int from = w;
            Thread r = new Thread(() -> {
                try {
                    for (int i = from; i < ids.size(); i += 4) {
                        String id = ids.get(i);
                        JsonNode res = backend.call("reply_to_peer", Map.of("question_id", id, "answer", "answer to " + bodies.get(id)), 120);
                        assertFalse(res.path("isError").asBoolean(), res.toString());
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            r.start();
            repliers.add(r);
        }
        for (Thread r : repliers) {
            r.join();
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    void awaitCount(String sql, int wanted) throws Exception {
        for (int i = 0; i < 6000; i++) {
            if (String.valueOf(wanted).equals(mesh.row(sql))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(sql + " never reached " + wanted + " (last: " + mesh.row(sql) + ")");
    }

    static long ms(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
