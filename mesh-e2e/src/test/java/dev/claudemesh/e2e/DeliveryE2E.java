package dev.claudemesh.e2e;

import dev.claudemesh.mesh.Inbox;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery you can prove, counted in what the real client sent its model: every item reaches the model once,
 * however it waited and whichever way it came, and an item the model did not see is never counted as seen.
 */
@Tag("both-hook-kinds") // the hooks bring its items: once with mcp_tool hooks, once with command hooks
class DeliveryE2E {

    /** Each id in {@code ids} is in exactly one of the blocks {@code r} showed the model. */
    static void assertEachShownOnce(List<String> ids, List<ApiRequest> conversations) {
        List<String> missing = new ArrayList<>();
        List<String> twice = new ArrayList<>();
        for (String id : ids) {
            long n = conversations.stream().mapToLong(r -> r.timesShown(id)).sum();
            if (n == 0) {
                missing.add(id);
            } else if (n > 1) {
                twice.add(id);
            }
        }
        assertTrue(missing.isEmpty() && twice.isEmpty(), ids.size() + " items: " + missing.size() + " never shown "
                + first(missing) + ", " + twice.size() + " shown more than once " + first(twice));
    }

    private static List<String> first(List<String> l) {
        return l.subList(0, Math.min(5, l.size()));
    }

    /** A session named backend that existed and ended: mail to that name now waits for its next session. */
    private static void backendWasHereOnce(Sandbox sandbox, Path dir) throws Exception {
        Session once = Session.in(sandbox, dir, Script.directives()).print("SAY hello");
        assertEquals(0, once.exitCode(), once.stderr());
    }

    private void queuedBeforeSessionStart(int count) throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path backendDir = sandbox.project("backend");
            backendWasHereOnce(sandbox, backendDir);
            List<String> ids;
            try (Seeder seeder = new Seeder(sandbox, sandbox.project("ops"), "ops")) {
                ids = seeder.tell("backend", count, "queued while nobody was backend");
            }
            Session backend = Session.in(sandbox, backendDir, Script.directives().drainingInbox()).streaming();
            backend.send("SAY what came while I was away?");
            backend.awaitResult(1, Duration.ofSeconds(300));
            assertEachShownOnce(ids, List.of(backend.lastTurn()));
            assertTrue(backend.lastTurn().sinceLastAnswer().isEmpty() || !backend.lastTurn().sinceLastAnswer().contains("more_waiting\":1"));
        }
    }

    @Test
    @Tag("both-backends")
    void aHundredItemsQueuedBeforeSessionStartEachReachTheModelOnce() throws Exception {
        queuedBeforeSessionStart(100);
    }

    @Test
    void twoThousandItemsQueuedBeforeSessionStartEachReachTheModelOnce() throws Exception {
        queuedBeforeSessionStart(2000);
    }

    @Test
    void aHundredItemsSentDuringATurnEachReachTheModelOnce() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path backendDir = sandbox.project("backend");
            Gate thinking = new Gate();
            Session backend = Session.in(sandbox, backendDir, Script.directives().reacting(thinking).drainingInbox()).streaming();
            backend.send("CALL list_peers {}\nSAY finished that");
            thinking.awaitReached();
            List<String> ids;
            try (Seeder seeder = new Seeder(sandbox, sandbox.project("ops"), "ops")) {
                ids = seeder.tell("backend", 100, "sent while backend was busy");
            }
            thinking.open();
            backend.awaitResult(1, Duration.ofSeconds(120));
            backend.send("SAY anything new?");
            backend.awaitResult(2, Duration.ofSeconds(300));
            assertEachShownOnce(ids, List.of(backend.lastTurn()));
        }
    }

    @Test
    void whereClaudeCodeRefusesChannelsAHundredItemsEachReachTheModelOnceThroughTheHooks() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Session backend = Session.in(sandbox, sandbox.project("backend"), Script.directives().drainingInbox())
                    .channels(false).interactive();
            backend.awaitDebug(l -> l.contains("Channel notifications skipped"), Duration.ofSeconds(30), "Claude Code refusing the channel");
            List<String> ids;
            try (Seeder seeder = new Seeder(sandbox, sandbox.project("ops"), "ops")) {
                ids = seeder.tell("backend", 100, "pushed to a session that refuses channels");
            }
            Thread.sleep(Inbox.CHANNEL_VERDICT.toMillis() + 1000); // past the time Claude Code has to accept the first push
            backend.type("SAY anything new?");
            ApiRequest prompt = backend.api.await(r -> r.shownText().contains("SAY anything new?"), Duration.ofSeconds(90), "for the prompt");
            ApiRequest last = backend.api.await(r -> r.nanos() >= prompt.nanos() && !Script.moreWaiting(r),
                    Duration.ofSeconds(300), "with the inbox drained");
            assertEachShownOnce(ids, List.of(last));
        }
    }

    @Test
    void whereClaudeCodeAcceptsChannelsEachItemIsPushedOnceAndNeverShownAgain() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Session backend = Session.in(sandbox, sandbox.project("backend"), Script.directives().drainingInbox())
                    .channels(true).interactive();
            backend.awaitDebug(l -> l.contains("Channel notifications registered"), Duration.ofSeconds(30), "Claude Code accepting the channel");
            List<String> ids;
            try (Seeder seeder = new Seeder(sandbox, sandbox.project("ops"), "ops")) {
                ids = seeder.tell("backend", 20, "pushed to a session that takes channels");
            }
            ApiRequest pushed = backend.api.await(r -> ids.stream().allMatch(id -> r.shownText().contains(id)),
                    Duration.ofSeconds(120), "with every pushed item");
            assertTrue(pushed.shownText().contains("<channel source=\"claude-mesh\""), pushed.shownText());
            backend.awaitScreen(s -> !s.contains("esc to interrupt"), Duration.ofSeconds(60), "the pushed turns to end");
            Thread.sleep(1500);
            backend.type("SAY and now?");
            ApiRequest next = backend.api.await(r -> r.shownText().contains("SAY and now?"), Duration.ofSeconds(90), "for the next prompt");
            assertEachShownOnce(ids, List.of(next));
        }
    }

    @Test
    void itemsOfferedToASessionKilledBeforeItsModelReadThemReachItsSuccessorOnce() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path backendDir = sandbox.project("backend");
            backendWasHereOnce(sandbox, backendDir);
            List<String> ids;
            try (Seeder seeder = new Seeder(sandbox, sandbox.project("ops"), "ops")) {
                ids = seeder.tell("backend", 100, "offered to a session that died");
            }
            // The first session's SessionStart offers what fits; it dies (kill -9) before any prompt, so its model
            // never saw them.
            Session doomed = Session.in(sandbox, backendDir, Script.directives()).interactive();
            doomed.awaitDebug(l -> l.contains("SessionStart") && l.contains("provided additionalContext"), Duration.ofSeconds(60),
                    "SessionStart to offer");
            doomed.kill();
            assertTrue(doomed.api.turns().isEmpty(), "the killed session's model never saw anything");

            Session next = Session.in(sandbox, backendDir, Script.directives().drainingInbox()).streaming();
            next.send("SAY what is waiting?");
            next.awaitResult(1, Duration.ofSeconds(300));
            assertEachShownOnce(ids, List.of(next.lastTurn()));
        }
    }

    @Test
    void itemsAKilledSessionsModelHadSeenAreNotShownAgainToItsSuccessor() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path backendDir = sandbox.project("backend");
            backendWasHereOnce(sandbox, backendDir);
            List<String> ids;
            try (Seeder seeder = new Seeder(sandbox, sandbox.project("ops"), "ops")) {
                ids = seeder.tell("backend", 100, "half seen before the crash");
            }
            Gate thinking = new Gate();
            Session doomed = Session.in(sandbox, backendDir, Script.directives().reacting(thinking)).streaming();
            doomed.send("SAY reading");
            thinking.awaitReached(); // its model has been sent what SessionStart and the prompt offered
            ApiRequest seenByDoomed = doomed.lastTurn();
            // Claude Code writes its transcript a moment after the request; a session killed inside that moment
            // leaves no proof, and its successor is shown those items again (at least once, never lost). This
            // scenario is the crash after the record.
            String shownFirst = ids.stream().filter(id -> seenByDoomed.timesShown(id) == 1).findFirst().orElseThrow();
            long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!recorded(doomed, shownFirst) && System.nanoTime() < until) {
                Thread.sleep(50);
            }
            doomed.kill();

            Session next = Session.in(sandbox, backendDir, Script.directives().drainingInbox()).streaming();
            next.send("SAY what is left?");
            next.awaitResult(1, Duration.ofSeconds(300));
            assertTrue(ids.stream().anyMatch(id -> seenByDoomed.timesShown(id) == 1), "the first session saw some");
            assertEachShownOnce(ids, List.of(seenByDoomed, next.lastTurn()));
            thinking.open();
        }
    }

    private static boolean recorded(Session s, String id) {
        try {
            return Files.readString(s.transcript()).contains(id);
        } catch (IOException notYet) {
            return false;
        }
    }
}
