package dev.claudemesh.e2e;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Messages, topic broadcasts and tasks between real sessions, each counted in what the models were shown. */
@Tag("both-hook-kinds") // the hooks bring its items: once with mcp_tool hooks, once with command hooks
class MessagingE2E {

    @Test
    @Tag("both-backends")
    void aMessageATopicBroadcastAndATaskEachReachTheModelOnceAndTheTaskResultComesBack() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Session backend = Session.in(sandbox, sandbox.project("backend"), Script.directives().completingTasks("migrated, 3 tables"))
                    .streaming();
            backend.send("CALL subscribe {\"topic\": \"deploys\"}\nSAY subscribed");
            backend.awaitResult(1, Duration.ofSeconds(90));

            Session frontend = Session.in(sandbox, sandbox.project("frontend"), Script.directives()).streaming();
            frontend.send("""
                    CALL tell_peer {"to": "backend", "message": "heads-up: the login form now posts JSON"}
                    CALL broadcast {"topic": "deploys", "message": "staging deploy at 15:00"}
                    CALL delegate_task {"to": "backend", "description": "run the users-table migration"}
                    SAY sent""");
            frontend.awaitResult(1, Duration.ofSeconds(90));

            backend.send("SAY what is new?");
            backend.awaitResult(2, Duration.ofSeconds(90));
            ApiRequest seen = backend.lastTurn();
            assertEquals(1, seen.timesShown("heads-up: the login form now posts JSON"), seen.shownText());
            assertEquals(1, seen.timesShown("staging deploy at 15:00"), seen.shownText());
            assertEquals(1, seen.timesShown("run the users-table migration"), seen.shownText());
            assertTrue(seen.shownText().contains("<peer_message from=\"frontend\""), seen.shownText());
            assertTrue(seen.toolCalls().stream().anyMatch(c -> c.path("name").asText().endsWith("complete_task")),
                    "the model completed the task it was shown");

            frontend.send("SAY anything back?");
            frontend.awaitResult(2, Duration.ofSeconds(90));
            ApiRequest back = frontend.lastTurn();
            assertEquals(1, back.timesShown("migrated, 3 tables"), back.shownText());
        }
    }

    @Test
    void twoSessionsInOneProjectEachGetOnlyTheirOwnMail() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path app = sandbox.project("app");
            Session first = Session.in(sandbox, app, Script.directives()).streaming();
            first.send("SAY one");
            first.awaitResult(1, Duration.ofSeconds(90));
            Session second = Session.in(sandbox, app, Script.directives()).streaming();
            second.send("SAY two");
            second.awaitResult(1, Duration.ofSeconds(90));
            assertTrue(first.lastTurn().shownText().contains("this session is peer 'app'"), first.lastTurn().shownText());
            assertTrue(second.lastTurn().shownText().contains("this session is peer 'app-2'"), second.lastTurn().shownText());

            Session.in(sandbox, sandbox.project("ops"), Script.directives())
                    .print("CALL tell_peer {\"to\": \"app-2\", \"message\": \"only for the second session\"}\nSAY sent");

            first.send("SAY anything?");
            second.send("SAY anything?");
            first.awaitResult(2, Duration.ofSeconds(90));
            second.awaitResult(2, Duration.ofSeconds(90));
            assertEquals(1, second.lastTurn().timesShown("only for the second session"));
            assertFalse(first.lastTurn().shownText().contains("only for the second session"));
        }
    }

    @Test
    void aSessionThatEndsGoesOfflineAndMailSentMeanwhileReachesTheNextSessionWithThatName() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path backendDir = sandbox.project("backend");
            Session first = Session.in(sandbox, backendDir, Script.directives()).streaming();
            first.send("SAY working");
            first.awaitResult(1, Duration.ofSeconds(90));
            assertEquals(0, first.endStreaming(Duration.ofSeconds(30)));

            Session frontend = Session.in(sandbox, sandbox.project("frontend"), Script.directives()).print("""
                    CALL list_peers {"include_stale": true}
                    CALL tell_peer {"to": "backend", "message": "read this when you are back"}
                    SAY done""");
            String shown = frontend.lastTurn().shownText();
            assertTrue(shown.matches("(?s).*\"name\"\\s*:\\s*\"backend\".*?\"status\"\\s*:\\s*\"offline\".*"),
                    "the session that ended is offline at once: " + shown);
            assertTrue(shown.contains("queued"), "mail to an offline name is queued: " + shown);

            Session next = Session.in(sandbox, backendDir, Script.directives()).print("SAY back");
            ApiRequest seen = next.lastTurn();
            assertTrue(seen.shownText().contains("this session is peer 'backend'"), seen.shownText());
            assertEquals(1, seen.timesShown("read this when you are back"), seen.shownText());
        }
    }

    @Test
    void aHealthCheckOfTheServersDoesNotJoinTheMesh() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path solo = sandbox.project("solo");
            Sandbox.Result check = sandbox.run(java.util.List.of(ClaudeCode.requireInstalled().toString(), "mcp", "list"), solo, 120);
            assertTrue(check.output().contains("claude-mesh"), check.output());
            Session other = Session.in(sandbox, sandbox.project("other"), Script.directives())
                    .print("CALL list_peers {\"include_stale\": true}\nSAY ok");
            String shown = other.lastTurn().shownText();
            assertTrue(shown.matches("(?s).*\"peers\"\\s*:\\s*\\[\\s*\\].*"),
                    "claude mcp list in 'solo' left no peer behind, not even offline: " + shown);
        }
    }
}
