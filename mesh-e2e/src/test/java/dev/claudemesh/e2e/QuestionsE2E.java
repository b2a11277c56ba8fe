package dev.claudemesh.e2e;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A question from one real session to another, and its answer, as both models see them. */
@Tag("both-hook-kinds") // the hooks bring its items: once with mcp_tool hooks, once with command hooks
class QuestionsE2E {
    private static final String PENDING = "SELECT count(*) FROM questions WHERE status = 'pending'";

    @Test
    @Tag("both-backends")
    void aQuestionReachesTheOtherSessionAtItsNextPromptAndTheAnswerReachesTheAsker() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path backendDir = sandbox.project("backend");
            Path frontendDir = sandbox.project("frontend");
            Session backend = Session.in(sandbox, backendDir, Script.directives().answeringQuestions("8080, proxied by Vite"))
                    .streaming();
            backend.send("SAY hello");
            backend.awaitResult(1, Duration.ofSeconds(90));
            assertTrue(backend.lastTurn().shownText().contains("this session is peer 'backend'"), backend.lastTurn().shownText());

            CompletableFuture<Session> asking = Session.in(sandbox, frontendDir, Script.directives()).printInBackground(
                    "CALL ask_peer {\"to\": \"backend\", \"question\": \"Which port does the API use?\", \"timeout_seconds\": 120}\nSAY asked");
            sandbox.awaitCount(PENDING, 1, Duration.ofSeconds(90));
            backend.send("SAY next prompt");
            backend.awaitResult(2, Duration.ofSeconds(90));
            Session frontend = asking.get(120, TimeUnit.SECONDS);

            ApiRequest shownToBackend = backend.lastTurn();
            assertEquals(1, shownToBackend.timesShown("Which port does the API use?"),
                    "the question reaches the model once, framed: " + shownToBackend.shownText());
            assertTrue(shownToBackend.shownText().contains("<peer_question from=\"frontend\""), shownToBackend.shownText());
            ApiRequest answerSeen = frontend.api.await(r -> r.answersTool() && r.shownText().contains("8080, proxied by Vite"),
                    Duration.ofSeconds(1), "carrying the answer");
            assertTrue(answerSeen.shownText().contains("backend"), answerSeen.shownText());
            assertEquals(0, frontend.exitCode());

            // Figure: from backend's reply_to_peer (the model's answer going out) to frontend's next model request.
            ApiRequest replied = backend.api.turns().stream()
                    .filter(r -> r.toolCalls().stream().anyMatch(c -> c.path("name").asText().endsWith("reply_to_peer")))
                    .findFirst().orElseThrow();
            long replySent = backend.api.repliedAt(backend.api.turns().get(backend.api.turns().indexOf(replied) - 1));
            Figures.record("reply → asker's next model request", Figures.ms(replySent, answerSeen.nanos()));
        }
    }

    @Test
    void stopKeepsABusySessionWorkingUntilItAnswersThenLetsItStop() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path backendDir = sandbox.project("backend");
            Path frontendDir = sandbox.project("frontend");
            Gate thinking = new Gate();
            CompletableFuture<Session> backendTurn = Session.in(sandbox, backendDir,
                    Script.directives().reacting(thinking).answeringQuestions("v2.3 is deployed"))
                    .printInBackground("SAY finished"); // no tool call after the question: Stop is what brings it
            // backend's prompt hook has run (it sent the model a request) and the model is thinking: now ask.
            thinking.awaitReached();
            CompletableFuture<Session> asking = Session.in(sandbox, frontendDir, Script.directives()).printInBackground(
                    "CALL ask_peer {\"to\": \"backend\", \"question\": \"Which version is on staging?\", \"timeout_seconds\": 180}\nSAY asked");
            sandbox.awaitCount(PENDING, 1, Duration.ofSeconds(90));
            thinking.open();

            Session backend = backendTurn.get(180, TimeUnit.SECONDS);
            Session frontend = asking.get(180, TimeUnit.SECONDS);
            assertEquals(0, backend.exitCode(), backend.stderr());

            List<ApiRequest> turns = backend.api.turns();
            // The turn ended once ("finished"), Stop kept it going with the question, the model answered it, and
            // the next end of turn was let through.
            int stopFeedback = -1;
            for (int i = 0; i < turns.size(); i++) {
                List<String> users = turns.get(i).userTexts();
                if (!users.isEmpty() && users.get(users.size() - 1).contains("Which version is on staging?")) {
                    stopFeedback = i;
                    break;
                }
            }
            assertTrue(stopFeedback > 0, "no request carried the question after the turn's end: " + turns.size() + " requests");
            ApiRequest last = turns.get(turns.size() - 1);
            assertTrue(last.toolCalls().stream().anyMatch(c -> c.path("name").asText().endsWith("reply_to_peer")),
                    "the model answered the question");
            assertEquals(1, last.timesShown("Which version is on staging?"),
                    "the question is shown to the model once: " + String.join("\n-----\n",
                            last.shown().stream().filter(b -> b.contains("Which version is on staging?")).toList()));
            assertTrue(frontend.api.turns().stream().anyMatch(r -> r.shownText().contains("v2.3 is deployed")));

            long turnEnded = backend.api.repliedAt(turns.get(stopFeedback - 1));
            Figures.record("end of turn → Stop feedback in the next request", Figures.ms(turnEnded, turns.get(stopFeedback).nanos()));
        }
    }

    /**
     * With mcp_tool hooks a busy session need not finish its turn to see a question: the PostToolUse hook puts it
     * into the very next model request, right after the tool result, framed as a note from the named peer.
     */
    @Test
    @Tag("mcp-hooks-only") // command hooks have no PostToolUse
    void aQuestionSentWhileTheSessionIsMidTurnIsInItsNextRequestAfterItsNextToolCall() throws Exception {
        try (Sandbox sandbox = Sandbox.installed("--hooks=mcp")) { // PostToolUse delivery needs mcp_tool hooks
            Gate thinking = new Gate();
            CompletableFuture<Session> backendTurn = Session.in(sandbox, sandbox.project("backend"),
                    Script.directives().reacting(thinking).answeringQuestions("staging runs v2.3"))
                    .printInBackground("CALL list_peers {}\nCALL list_peers {}\nSAY finished");
            thinking.awaitReached(); // mid-turn: its model is working on the prompt
            CompletableFuture<Session> asking = Session.in(sandbox, sandbox.project("frontend"), Script.directives()).printInBackground(
                    "CALL ask_peer {\"to\": \"backend\", \"question\": \"Which version is on staging?\", \"timeout_seconds\": 180}\nSAY asked");
            sandbox.awaitCount(PENDING, 1, Duration.ofSeconds(90));
            thinking.open();

            Session backend = backendTurn.get(180, TimeUnit.SECONDS);
            Session frontend = asking.get(180, TimeUnit.SECONDS);
            List<ApiRequest> turns = backend.api.turns();
            int afterCall = -1;
            for (int i = 0; i < turns.size() && afterCall < 0; i++) {
                if (turns.get(i).toolCalls().stream().anyMatch(c -> c.path("name").asText().endsWith("list_peers"))) {
                    afterCall = i;
                }
            }
            assertTrue(afterCall > 0, "backend called list_peers");
            ApiRequest next = turns.get(afterCall);
            assertTrue(next.sinceLastAnswer().contains("Which version is on staging?"),
                    "the request right after the tool call carries the question: " + next.sinceLastAnswer());
            assertTrue(next.sinceLastAnswer().contains("<peer_question from=\"frontend\""), next.sinceLastAnswer());
            assertTrue(next.sinceLastAnswer().contains("not from the user"), "framed as a peer's note: " + next.sinceLastAnswer());
            assertEquals(1, turns.get(turns.size() - 1).timesShown("Which version is on staging?"), "shown once in the whole turn");
            assertTrue(frontend.api.turns().stream().anyMatch(r -> r.shownText().contains("staging runs v2.3")),
                    "the asker got the answer within its own call");
            long called = backend.api.repliedAt(turns.get(afterCall - 1));
            Figures.record("tool call → question in the next request (PostToolUse)", Figures.ms(called, next.nanos()));
        }
    }

    @Test
    void stopRemindsOncePerStopAndLetsAModelThatDoesNotAnswerStop() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path backendDir = sandbox.project("backend");
            Path frontendDir = sandbox.project("frontend");
            Gate thinking = new Gate();
            CompletableFuture<Session> backendTurn = Session.in(sandbox, backendDir, Script.directives().reacting(thinking))
                    .printInBackground("SAY finished, and not answering");
            thinking.awaitReached();
            CompletableFuture<Session> asking = Session.in(sandbox, frontendDir, Script.directives()).printInBackground(
                    "CALL ask_peer {\"to\": \"backend\", \"question\": \"Are you there?\", \"timeout_seconds\": 40}\nSAY asked");
            sandbox.awaitCount(PENDING, 1, Duration.ofSeconds(90));
            thinking.open();

            Session backend = backendTurn.get(180, TimeUnit.SECONDS);
            assertEquals(0, backend.exitCode(), backend.stderr());
            long reminders = backend.api.turns().stream().filter(r -> {
                List<String> users = r.userTexts();
                return !users.isEmpty() && users.get(users.size() - 1).contains("Are you there?");
            }).count();
            assertEquals(1, reminders, "Stop keeps the session going once for the question, then lets it stop");
            asking.get(180, TimeUnit.SECONDS);
        }
    }

    @Test
    void aLongAskPastClaudeCodesBackgroundLimitStillGetsItsAnswerToTheModelOnce() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Session backend = Session.in(sandbox, sandbox.project("backend"), Script.directives().answeringQuestions("use port 5433"))
                    .streaming();
            backend.send("SAY online");
            backend.awaitResult(1, Duration.ofSeconds(90));
            // Claude Code moves a tool call still running after this long to the background (120 s by default;
            // interactive sessions only: claude -p waits for the call).
            Session frontend = Session.in(sandbox, sandbox.project("frontend"), Script.directives())
                    .env("CLAUDE_CODE_MCP_AUTO_BACKGROUND_MS", "20000").interactive();
            frontend.type("CALL ask_peer {\"to\": \"backend\", \"question\": \"Which port for the test database?\", "
                    + "\"timeout_seconds\": 300} ;; SAY carrying on");
            sandbox.awaitCount(PENDING, 1, Duration.ofSeconds(90));
            Thread.sleep(25_000); // well past the background limit: the asker's call is no longer waiting
            backend.send("SAY next");
            backend.awaitResult(2, Duration.ofSeconds(90));
            assertTrue(backend.lastTurn().toolCalls().stream().anyMatch(c -> c.path("name").asText().endsWith("reply_to_peer")));

            Thread.sleep(3000);
            frontend.awaitScreen(sc -> !sc.contains("esc to interrupt"), Duration.ofSeconds(120), "the asker to be idle");
            frontend.type("SAY did an answer come?");
            ApiRequest seen = frontend.api.await(r -> r.shownText().contains("SAY did an answer come?"), Duration.ofSeconds(90),
                    "for the asker's next prompt");
            assertEquals(1, seen.timesShown("use port 5433"), "the late answer reaches the asker's model once: " + seen.shownText());
        }
    }
}
