package dev.claudemesh.e2e;

import dev.claudemesh.mesh.Inbox;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Items reaching a session that sits idle at its prompt, in the interactive terminal UI: woken by the
 * asyncRewake hook, pushed as channel events where Claude Code accepts them, and never lost where it
 * refuses them.
 */
@Tag("both-hook-kinds") // the hooks bring its items: once with mcp_tool hooks, once with command hooks
class InstantDeliveryE2E {

    private static Session sender(Sandbox sandbox) throws Exception {
        Session s = Session.in(sandbox, sandbox.project("frontend"), Script.directives()).streaming();
        s.send("SAY online");
        s.awaitResult(1, Duration.ofSeconds(90));
        return s;
    }

    /** Sends {@code message} to backend from {@code frontend} and returns when the tool's result came back. */
    private static long tell(Session frontend, int turn, String message) throws Exception {
        frontend.send("CALL tell_peer {\"to\": \"backend\", \"message\": \"" + message + "\"}\nSAY sent");
        frontend.awaitResult(turn, Duration.ofSeconds(90));
        return frontend.api.turns().stream().filter(ApiRequest::answersTool).reduce((a, b) -> b).orElseThrow().nanos();
    }

    @Test
    void theWakeHookWakesAnIdleSessionWithTheItem() throws Exception {
        try (Sandbox sandbox = Sandbox.installed("--with-wake")) {
            Session backend = Session.in(sandbox, sandbox.project("backend"), Script.directives()).interactive();
            backend.type("SAY ready");
            backend.api.await(r -> r.shownText().contains("SAY ready"), Duration.ofSeconds(90), "for the first prompt");
            backend.awaitDebug(l -> l.contains("claude-mesh-inbox-wait"), Duration.ofSeconds(60), "the wake hook to start");
            Thread.sleep(1500); // the wait hook is started after the turn; give its JVM time to begin waiting
            Session frontend = sender(sandbox);

            long sent = tell(frontend, 2, "wake up, the build is red");
            ApiRequest woken = backend.api.await(r -> r.shownText().contains("wake up, the build is red"),
                    Duration.ofSeconds(60), "waking the idle session with the message");
            assertEquals(1, woken.timesShown("wake up, the build is red"), woken.shownText());
            Figures.record("asyncRewake: message sent → woken session's model request", Figures.ms(sent, woken.nanos()));
        }
    }

    @Test
    void whereClaudeCodeRefusesChannelsEveryItemStillReachesTheModelThroughTheHooks() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Session backend = Session.in(sandbox, sandbox.project("backend"), Script.directives()).channels(false).interactive();
            backend.awaitDebug(l -> l.contains("Channel notifications skipped"), Duration.ofSeconds(30),
                    "Claude Code refusing the channel");
            Session frontend = sender(sandbox);
            tell(frontend, 2, "refused channels must not lose this");
            Thread.sleep(Inbox.CHANNEL_VERDICT.toMillis() + 1000); // time for a push, had the server made one, to be judged refused

            backend.type("SAY anything new?");
            ApiRequest seen = backend.api.await(r -> r.shownText().contains("SAY anything new?"), Duration.ofSeconds(90),
                    "for the prompt");
            assertEquals(1, seen.timesShown("refused channels must not lose this"),
                    "the message reaches the model at the next prompt: " + seen.shownText());
        }
    }

    @Test
    void whereClaudeCodeAcceptsChannelsAnItemIsPushedOnceAndNotRepeatedByTheHooks() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Session backend = Session.in(sandbox, sandbox.project("backend"), Script.directives()).channels(true).interactive();
            backend.awaitDebug(l -> l.contains("Channel notifications registered"), Duration.ofSeconds(30),
                    "Claude Code accepting the channel");
            Session frontend = sender(sandbox);
            long sent = tell(frontend, 2, "pushed through the channel");
            ApiRequest pushed = backend.api.await(r -> r.shownText().contains("pushed through the channel"),
                    Duration.ofSeconds(60), "with the channel event");
            assertTrue(pushed.shownText().contains("<channel source=\"claude-mesh\""), pushed.shownText());
            Figures.record("channel: message sent → idle session's model request", Figures.ms(sent, pushed.nanos()));

            backend.awaitScreen(s -> !s.contains("esc to interrupt"), Duration.ofSeconds(60), "the pushed turn to end");
            backend.type("SAY and now?");
            ApiRequest next = backend.api.await(r -> r.shownText().contains("SAY and now?"), Duration.ofSeconds(90),
                    "for the next prompt");
            assertEquals(1, next.timesShown("pushed through the channel"), "shown once: " + next.shownText());
            assertFalse(next.userTexts().get(next.userTexts().size() - 1).contains("pushed through the channel"));
        }
    }
}
