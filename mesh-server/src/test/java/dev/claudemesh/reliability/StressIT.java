package dev.claudemesh.reliability;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Eight server processes on one file, each asking the others 200 questions and answering theirs at the same
 * time, with messages and broadcasts mixed in. Afterwards every question has exactly one answer, the right
 * one, at its asker; every message reached its recipient exactly once; no tool result ever mentioned a busy
 * or locked database.
 */
class StressIT {
    static final int SERVERS = 8;
    static final int QUESTIONS_EACH = 200;
    static final int ASKERS_PER_SERVER = 4;
    static final int MESSAGES_EACH = 40;
    static final int BROADCASTS_EACH = 3;

    @TempDir
    Path tmp;
    MeshFixture mesh;

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    @Test
    void eightServersAskAnswerAndMessageEachOtherWithNothingLostOrDuplicated() throws Exception {
        mesh = new MeshFixture(tmp);
        List<Peer> peers = new ArrayList<>();
        for (int i = 0; i < SERVERS; i++) {
            peers.add(mesh.server(mesh.project("p" + i)));
        }
        Queue errors = new Queue();
        AtomicBoolean done = new AtomicBoolean(false);
        // What each peer received, by kind: item ids (message/broadcast) and question ids answered.
        Map<Integer, Set<String>> received = new ConcurrentHashMap<>();
        Map<Integer, List<String>> receivedInOrder = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newCachedThreadPool();
        List<Future<?>> answerers = new ArrayList<>();
        for (int i = 0; i < SERVERS; i++) {
            int me = i;
            received.put(me, ConcurrentHashMap.newKeySet());
            receivedInOrder.put(me, new java.util.concurrent.CopyOnWriteArrayList<>());
            answerers.add(pool.submit(() -> answerLoop(peers.get(me), me, done, received, receivedInOrder, errors)));
        }

        // Askers: each server asks QUESTIONS_EACH questions of the others, ASKERS_PER_SERVER at a time.
        Map<String, String> answers = new ConcurrentHashMap<>();
        List<Future<?>> work = new ArrayList<>();
        Map<Integer, Set<String>> sentTo = new ConcurrentHashMap<>();
        for (int i = 0; i < SERVERS; i++) {
            sentTo.put(i, ConcurrentHashMap.newKeySet());
        }
        for (int i = 0; i < SERVERS; i++) {
            int me = i;
            for (int t = 0; t < ASKERS_PER_SERVER; t++) {
                int thread = t;
                work.add(pool.submit(() -> {
                    for (int n = thread; n < QUESTIONS_EACH; n += ASKERS_PER_SERVER) {
                        int target = (me + 1 + n % (SERVERS - 1)) % SERVERS;
                        String question = "q-" + me + "-" + n;
                        CallToolResult r = peers.get(me).call("ask_peer", Map.of("to", "p" + target, "question", question, "timeout_seconds", 120));
                        check(r, errors);
                        Map<?, ?> s = (Map<?, ?>) r.structuredContent();
                        if (s != null && "answered".equals(s.get("status"))) {
                            String previous = answers.put(question, (String) s.get("answer"));
                            if (previous != null) {
                                errors.add("question " + question + " answered twice");
                            }
                        } else {
                            errors.add("question " + question + " ended " + (s == null ? MeshFixture.text(r) : s.get("status")));
                        }
                    }
                }));
            }
            work.add(pool.submit(() -> {
                for (int n = 0; n < MESSAGES_EACH; n++) {
                    int target = (me + 1 + n % (SERVERS - 1)) % SERVERS;
                    CallToolResult r = peers.get(me).call("tell_peer", Map.of("to", "p" + target, "message", "m-" + me + "-" + n));
                    check(r, errors);
                    if (r.structuredContent() != null) {
                        sentTo.get(target).add((String) ((Map<?, ?>) r.structuredContent()).get("message_id"));
                    }
                }
                for (int n = 0; n < BROADCASTS_EACH; n++) {
                    CallToolResult r = peers.get(me).call("broadcast", Map.of("message", "b-" + me + "-" + n));
                    check(r, errors);
                    if (r.structuredContent() != null) {
                        Map<?, ?> s = (Map<?, ?>) r.structuredContent();
                        for (Object name : (List<?>) s.get("recipients")) {
                            sentTo.get(Integer.parseInt(((String) name).substring(1))).add((String) s.get("message_id"));
                        }
                    }
                }
            }));
        }
        for (Future<?> f : work) {
            f.get(10, TimeUnit.MINUTES);
        }
        // Let the answer loops drain what is left, then stop them.
        Thread.sleep(500);
        done.set(true);
        for (Future<?> f : answerers) {
            f.get(2, TimeUnit.MINUTES);
        }
        pool.shutdownNow();

        assertEquals(List.of(), errors.list(), "errors");
        assertEquals(SERVERS * QUESTIONS_EACH, answers.size(), "every question answered");
        answers.forEach((q, a) -> assertEquals("re:" + q, a, "the right answer reached the asker"));
        for (int i = 0; i < SERVERS; i++) {
            assertEquals(sentTo.get(i), received.get(i), "p" + i + " received exactly what was sent to it");
            List<String> ordered = receivedInOrder.get(i);
            assertEquals(new HashSet<>(ordered).size(), ordered.size(), "p" + i + " got an item twice");
        }
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + mesh.db); var s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM questions WHERE status = 'answered'")) {
                rs.next();
                assertEquals(SERVERS * QUESTIONS_EACH, rs.getInt(1));
            }
            try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                rs.next();
                assertEquals("ok", rs.getString(1));
            }
        }
        for (String line : mesh.serverStderr) {
            assertTrue(!line.contains("SQLITE_BUSY") && !line.contains("database is locked"), "server logged: " + line);
        }
    }

    @SuppressWarnings("unchecked")
    private static void answerLoop(Peer peer, int me, AtomicBoolean done, Map<Integer, Set<String>> received,
                                   Map<Integer, List<String>> receivedInOrder, Queue errors) {
        int idle = 0;
        while (!done.get() || idle < 3) {
            CallToolResult r = peer.call("poll_inbox", Map.of());
            check(r, errors);
            List<Map<String, Object>> items = r.structuredContent() == null ? List.of()
                    : (List<Map<String, Object>>) ((Map<String, Object>) r.structuredContent()).get("items");
            idle = items.isEmpty() ? idle + 1 : 0;
            for (Map<String, Object> item : items) {
                String id = (String) item.get("id");
                if ("question".equals(item.get("kind"))) {
                    receivedInOrder.get(me).add(id);
                    CallToolResult reply = peer.call("reply_to_peer", Map.of("question_id", id, "answer", "re:" + item.get("body")));
                    check(reply, errors);
                } else {
                    receivedInOrder.get(me).add(id);
                    if (!received.get(me).add(id)) {
                        errors.add("p" + me + " received " + id + " twice");
                    }
                }
            }
            if (items.isEmpty()) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static void check(CallToolResult r, Queue errors) {
        String text = MeshFixture.text(r);
        if (text.contains("BUSY") || text.toLowerCase().contains("locked")) {
            errors.add("busy/locked reached a tool result: " + text);
        }
        if (Boolean.TRUE.equals(r.isError())) {
            errors.add("tool error: " + text);
        }
    }

    /** Errors from many threads, kept in order. */
    static final class Queue {
        private final ConcurrentLinkedQueue<String> q = new ConcurrentLinkedQueue<>();

        void add(String s) {
            if (q.size() < 50) {
                q.add(s);
            }
        }

        List<String> list() {
            return new ArrayList<>(q);
        }
    }

}
