package dev.claudemesh.e2e;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * claude-mesh as a Claude Code plugin, installed the way a user does: {@code claude plugin marketplace add
 * CHECKOUT}, {@code claude plugin install claude-mesh@claude-mesh}; no {@code bin/claude-mesh install}.
 */
class PluginE2E {
    private static final Pattern TOLD = Pattern.compile("this session is peer '([^']+)'");
    private static final Pattern SELF = Pattern.compile("\"self\"\\s*:\\s*\"([^\"]+)\"");
    private static final String PLUGIN = "claude-mesh@claude-mesh";

    @Test
    void aSessionStartedAfterPluginInstallJoinsTheMeshAndOneStartedAfterUninstallDoesNot() throws Exception {
        try (Sandbox sandbox = Sandbox.bare()) {
            succeeds(sandbox.claude("plugin", "marketplace", "add", ClaudeCode.repoRoot().toString()));
            succeeds(sandbox.claude("plugin", "install", PLUGIN));
            Path app = sandbox.project("app");

            Session joined = Session.in(sandbox, app, Script.directives())
                    .print("CALL " + Script.PLUGIN_MESH + "__list_peers {\"include_stale\": true}\nSAY listed");
            String shown = joined.lastTurn().shownText();
            Matcher told = TOLD.matcher(shown);
            Matcher self = SELF.matcher(shown);
            assertTrue(told.find(), "the plugin's SessionStart hook named no peer:\n" + shown);
            assertTrue(self.find(), "the plugin's server answered no list_peers:\n" + shown);
            assertEquals(told.group(1), self.group(1), "the hook and the server disagree on who this session is");
            String name = told.group(1);
            assertTrue(peers(sandbox).stream().anyMatch(l -> l.startsWith(name)), "not in the mesh: " + peers(sandbox));

            // The plugin's prompt hook is an mcp_tool hook of the plugin's own server: a message sent to this
            // session after it started reaches its next model request, framed as the sender's.
            Session live = Session.in(sandbox, sandbox.project("web"), Script.directives()).streaming();
            live.send("SAY online");
            live.awaitResult(1, Duration.ofSeconds(90));
            succeeds(sandbox.cli("send", "--as", "ops", "web", "the plugin's prompt hook brought this"));
            live.send("SAY anything new?");
            live.awaitResult(2, Duration.ofSeconds(90));
            ApiRequest prompted = live.lastTurn();
            assertEquals(1, prompted.timesShown("the plugin's prompt hook brought this"), prompted.shownText());
            assertTrue(prompted.shownText().contains("<peer_message from=\"ops\""), prompted.shownText());
            live.close();

            String doctor = sandbox.cli("doctor").output();
            assertTrue(doctor.lines().anyMatch(l -> l.startsWith("ok") && l.contains("plugin") && l.contains(PLUGIN + " enabled")),
                    "doctor did not recognise the plugin:\n" + doctor);
            assertTrue(doctor.lines().anyMatch(l -> l.startsWith("ok") && l.contains("hook SessionStart") && l.contains("hooks.json")),
                    "doctor did not find the plugin's hooks:\n" + doctor);

            // Installed both ways at once: doctor says so, and uninstall of one leaves the other alone.
            succeeds(sandbox.cli("install"));
            String both = sandbox.cli("doctor").output();
            assertTrue(both.lines().anyMatch(l -> l.startsWith("FAIL") && l.contains("installed twice")),
                    "doctor did not warn of two installs:\n" + both);
            succeeds(sandbox.cli("uninstall"));

            succeeds(sandbox.claude("plugin", "uninstall", PLUGIN));
            int before = peers(sandbox).size();
            Session after = Session.in(sandbox, app, Script.directives()).print("SAY hello");
            assertEquals(0, after.exitCode(), after.stderr());
            ApiRequest last = after.lastTurn();
            assertFalse(last.shownText().contains("this session is peer"), "a hook still ran:\n" + last.shownText());
            List<String> meshTools = StreamSupport.stream(last.body().path("tools").spliterator(), false)
                    .map(t -> t.path("name").asText()).filter(n -> n.contains("claude-mesh")).toList();
            assertEquals(List.of(), meshTools, "the session still has claude-mesh's tools");
            assertEquals(before, peers(sandbox).size(), "a session after uninstall joined the mesh: " + peers(sandbox));
        }
    }

    private static List<String> peers(Sandbox sandbox) throws Exception {
        return sandbox.cli("peers", "--all").output().lines().filter(l -> l.startsWith("app")).toList();
    }

    private static void succeeds(Sandbox.Result r) {
        assertEquals(0, r.exit(), r.output());
    }
}
