package dev.claudemesh.hookcmd;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.HookRun;
import dev.claudemesh.testing.MeshFixture.Peer;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.claudemesh.testing.MeshFixture.hookJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** kill -9 at the worst moments: nothing committed is lost, the file stays sound, and nobody waits for the dead. */
class CrashIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;

    @BeforeEach
    void setUp() {
        mesh = new MeshFixture(tmp);
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    @Test
    void killingAWriterMidStreamLeavesASoundFileWithEveryAcknowledgedItem() throws Exception {
        Path backendDir = mesh.project("backend");
        mesh.server(backendDir);
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        for (int round = 0; round < 3; round++) {
            Peer writer = mesh.server(mesh.project("writer"));
            long pid = serverPid("writer");
            AtomicBoolean stop = new AtomicBoolean();
            List<CompletableFuture<Void>> loops = List.of(1, 2, 3).stream().map(n -> CompletableFuture.runAsync(() -> {
                for (int i = 0; !stop.get(); i++) {
                    try {
                        CallToolResult r = writer.call("tell_peer", Map.of("to", "backend", "message", "round message " + n + "-" + i));
                        if (!Boolean.TRUE.equals(r.isError())) {
                            acknowledged.add((String) ((Map<?, ?>) r.structuredContent()).get("message_id"));
                        }
                    } catch (RuntimeException processGone) {
                        return;
                    }
                }
            })).toList();
            // Kill it once the writers are well under way (a fixed pause is too short on a loaded machine).
            for (int i = 0; i < 300 && acknowledged.size() <= 20; i++) {
                Thread.sleep(100);
            }
            ProcessHandle.of(pid).orElseThrow().destroyForcibly(); // SIGKILL, mid-stream
            stop.set(true);
            awaitGone(pid);
            writer.client().close(); // fails the calls that were in flight instead of waiting out their timeout
            for (CompletableFuture<Void> f : loops) {
                try {
                    f.get(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException ignored) {
                    // a call cut off by the kill
                }
            }
        }
        assertTrue(acknowledged.size() > 10, "the writers got going: " + acknowledged.size());
        try (var c = mesh.connect(); var s = c.createStatement()) {
            if (!MeshFixture.postgres()) {
                try (ResultSet rs = s.executeQuery("PRAGMA integrity_check")) {
                    rs.next();
                    assertEquals("ok", rs.getString(1));
                }
            }
            int found = 0;
            for (String id : acknowledged) {
                try (ResultSet rs = s.executeQuery("SELECT count(*) FROM inbox WHERE id = '" + id + "' AND recipient = 'backend'")) {
                    rs.next();
                    found += rs.getInt(1);
                }
            }
            assertEquals(acknowledged.size(), found, "every message the writer was told was sent is in the file");
        }
    }

    @Test
    void whenTheAskerIsKilledItsQuestionIsAbandonedAndStopStopsBlocking() throws Exception {
        Path backendDir = mesh.project("backend");
        mesh.server(backendDir);
        Peer frontend = mesh.server(mesh.project("frontend"));
        CompletableFuture.runAsync(() -> {
            try {
                frontend.call("ask_peer", Map.of("to", "backend", "question", "still there?", "timeout_seconds", 600));
            } catch (RuntimeException processGone) {
                // expected: its server is killed
            }
        });
        String id = awaitRow("SELECT id FROM questions WHERE status = 'pending'");
        HookRun block = mesh.hook("inbox-poll", backendDir, hookJson("Stop", "s", backendDir, Map.of("stop_hook_active", false)));
        assertTrue(block.stdout().contains(id), "blocks while the asker waits: " + block.stdout());

        long pid = serverPid("frontend");
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();
        awaitGone(pid);
        frontend.client().close();

        HookRun after = mesh.hook("inbox-poll", backendDir, hookJson("Stop", "s", backendDir, Map.of("stop_hook_active", false)));
        assertEquals("", after.stdout(), "nobody waits for that answer any more");
        assertEquals("abandoned", awaitRow("SELECT status FROM questions WHERE id = '" + id + "'"));
    }

    long serverPid(String name) throws Exception {
        return Long.parseLong(awaitRow("SELECT server_pid FROM peers WHERE name_key = '" + name + "' AND server_pid IS NOT NULL"));
    }

    static void awaitGone(long pid) throws InterruptedException {
        for (int i = 0; i < 500 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false); i++) {
            Thread.sleep(10);
        }
    }

    String awaitRow(String sql) throws Exception {
        for (int i = 0; i < 500; i++) {
            try (var c = mesh.connect();
                 var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
                if (rs.next() && rs.getString(1) != null) {
                    return rs.getString(1);
                }
            } catch (java.sql.SQLException notYet) {
                // schema may not exist yet
            }
            Thread.sleep(20);
        }
        throw new AssertionError("nothing for: " + sql);
    }
}
