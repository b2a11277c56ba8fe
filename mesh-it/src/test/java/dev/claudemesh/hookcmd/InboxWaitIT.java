package dev.claudemesh.hookcmd;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.claudemesh.testing.MeshFixture.hookJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** inbox-wait, as Claude Code runs it in the background on Stop: wakes the session with an item, or goes quietly. */
class InboxWaitIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;
    Path backendDir;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new MeshFixture(tmp);
        backendDir = mesh.project("backend");
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    /** A running inbox-wait process. */
    final class Waiter {
        final Process p;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();

        Waiter(String session, int waitSeconds) throws Exception {
            ProcessBuilder pb = new ProcessBuilder(MeshFixture.bin("claude-mesh-inbox-wait").toString());
            pb.environment().putAll(mesh.env(backendDir));
            pb.environment().put("MESH_WAIT_SECONDS", String.valueOf(waitSeconds));
            p = pb.start();
            new Thread(() -> copy(p.getInputStream(), out)).start();
            new Thread(() -> copy(p.getErrorStream(), err)).start();
            try (var in = p.getOutputStream()) {
                in.write(hookJson("Stop", session, backendDir, Map.of("stop_hook_active", false)).getBytes(StandardCharsets.UTF_8));
            }
        }

        int exit(int seconds) throws InterruptedException {
            assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "inbox-wait still running after " + seconds + " s");
            Thread.sleep(100); // let the copier threads finish
            return p.exitValue();
        }

        String stderr() {
            return err.toString(StandardCharsets.UTF_8);
        }

        String stdout() {
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    static void copy(java.io.InputStream in, java.io.OutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (java.io.IOException ignored) {
            // ended
        }
    }

    @Test
    void exitsTwoWithTheItemOnStderrWhenOneArrivesAndMarksItDelivered() throws Exception {
        Peer backend = mesh.server(backendDir);
        Peer frontend = mesh.server(mesh.project("frontend"));
        Waiter w = new Waiter("s1", 60);
        Thread.sleep(1500); // it is waiting, as it would be in an idle session
        assertTrue(w.p.isAlive(), "nothing arrived yet, so it keeps waiting: " + w.stderr());
        String id = (String) frontend.ok("tell_peer", Map.of("to", "backend", "message", "build is green, merge away")).get("message_id");

        assertEquals(2, w.exit(30), w.stderr());
        assertEquals("", w.stdout());
        assertTrue(w.stderr().contains("build is green, merge away"), w.stderr());
        assertTrue(w.stderr().contains("<peer_message from=\"frontend\" id=\"" + id + "\""), w.stderr());
        assertEquals(List.of(), backend.inbox(), "the woken session does not get the item again");
    }

    @Test
    void anItemAlreadyWaitingWakesAtOnce() throws Exception {
        mesh.server(backendDir);
        Peer frontend = mesh.server(mesh.project("frontend"));
        frontend.ok("delegate_task", Map.of("to", "backend", "description", "rotate the API key"));
        Waiter w = new Waiter("s1", 60);
        assertEquals(2, w.exit(30), w.stderr());
        assertTrue(w.stderr().contains("<peer_task") && w.stderr().contains("complete_task"), w.stderr());
    }

    @Test
    void exitsZeroQuietlyAtItsLimit() throws Exception {
        mesh.server(backendDir);
        Waiter w = new Waiter("s1", 2);
        assertEquals(0, w.exit(30));
        assertEquals("", w.stdout());
        assertEquals("", w.stderr());
    }

    @Test
    void exitsZeroWhenTheSessionEnds() throws Exception {
        mesh.hook("session-start", backendDir, hookJson("SessionStart", "s1", backendDir, Map.of("source", "startup")));
        Waiter w = new Waiter("s1", 60);
        Thread.sleep(1500);
        mesh.hook("session-end", backendDir, hookJson("SessionEnd", "s1", backendDir, Map.of("reason", "prompt_input_exit")));
        assertEquals(0, w.exit(20), w.stderr());
        assertEquals("", w.stderr());
    }

    @Test
    void aNewerWaiterOfTheSameSessionReplacesTheOlderOne() throws Exception {
        mesh.server(backendDir);
        Waiter older = new Waiter("s1", 60);
        Thread.sleep(1500);
        Waiter newer = new Waiter("s1", 60);
        assertEquals(0, older.exit(20), "the older waiter steps aside: " + older.stderr());
        assertTrue(newer.p.isAlive());
        newer.p.destroy();
    }

    @Test
    void aSymlinkPlantedAsItsWaitFileIsNeverWrittenThrough() throws Exception {
        mesh.server(backendDir);
        Path victim = java.nio.file.Files.writeString(tmp.resolve("victims-notes.txt"), "keep me");
        // Where inbox-wait records itself: beside the database, named for the peer.
        Path token = tmp.resolve("mesh.db.wait-backend");
        java.nio.file.Files.createSymbolicLink(token, victim);

        Waiter w = new Waiter("s1", 2);

        assertEquals(0, w.exit(30), w.stderr());
        assertEquals("", w.stdout());
        assertEquals("keep me", java.nio.file.Files.readString(victim));
        assertEquals(1, w.stderr().strip().lines().count(), w.stderr());
        assertTrue(w.stderr().contains(token + " is a symbolic link"), w.stderr());
    }
}
