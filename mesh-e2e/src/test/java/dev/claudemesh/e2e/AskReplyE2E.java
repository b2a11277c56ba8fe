package dev.claudemesh.e2e;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AskReplyE2E {

    @Test
    void aQuestionReachesTheOtherSessionsModelAtItsNextPromptAndTheAnswerReachesTheAsker() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path backendDir = sandbox.project("backend");
            Path frontendDir = sandbox.project("frontend");
            Session backend = Session.in(sandbox, backendDir, Script.directives().answeringQuestions("8080, proxied by Vite"))
                    .streaming();
            backend.send("SAY hello");
            backend.awaitResult(1, Duration.ofSeconds(60));
            assertTrue(backend.lastTurn().shownText().contains("this session is peer 'backend'"), backend.lastTurn().shownText());

            CompletableFuture<Session> asking = CompletableFuture.supplyAsync(() -> {
                try {
                    return Session.in(sandbox, frontendDir, Script.directives())
                            .print("CALL ask_peer {\"to\": \"backend\", \"question\": \"Which port does the API use?\", \"timeout_seconds\": 90}\nSAY asked");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // Wait until the question is in the mesh, then give backend its next prompt.
            Thread.sleep(4000);
            backend.send("SAY next prompt");
            backend.awaitResult(2, Duration.ofSeconds(60));
            Session frontend = asking.get();
            String shownToBackend = backend.lastTurn().shownText();
            assertTrue(shownToBackend.contains("Which port does the API use?"), shownToBackend);
            String toolResult = frontend.lastTurn().shownText();
            assertTrue(toolResult.contains("8080, proxied by Vite"), toolResult);
            assertEquals(0, frontend.exitCode());
        }
    }
}
