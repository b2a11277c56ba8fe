package dev.claudemesh.e2e;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Claude Code stops a session's server with SIGINT and sends SIGTERM about 100 ms later if it is still there
 * ("SIGINT failed, sending SIGTERM" in its debug log). SIGINT alone must do: the server leaves the mesh and is
 * gone in time.
 */
class ServerStopE2E {

    @Test
    void claudeCodesSigintAloneStopsTheServerAndItGoesOffline() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Session s = Session.in(sandbox, sandbox.project("solo"), Script.directives()).print("SAY hello");
            assertEquals(0, s.exitCode());
            assertStoppedBySigintAlone(sandbox, s, "solo");
        }
    }

    /** What Claude Code logged about stopping {@code session}'s server, and that the peer {@code name} is offline. */
    static void assertStoppedBySigintAlone(Sandbox sandbox, Session session, String name) throws IOException, InterruptedException {
        List<String> stopping = session.debugLines().stream()
                .filter(l -> l.contains("claude-mesh") && (l.contains("SIGINT") || l.contains("SIGTERM"))).toList();
        System.out.println("Claude Code stopping the server of " + name + ": " + stopping);
        assertTrue(stopping.stream().anyMatch(l -> l.contains("SIGINT")), "Claude Code sent SIGINT: " + stopping);
        assertTrue(stopping.stream().noneMatch(l -> l.contains("SIGTERM")), "SIGINT alone stopped the server: " + stopping);
        String peers = sandbox.cli("peers", "--all").output();
        assertTrue(peers.lines().anyMatch(l -> l.startsWith(name) && l.contains("offline")), peers);
    }
}
