package dev.claudemesh.hookcmd;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.HookRun;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.claudemesh.testing.MeshFixture.hookJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Delivery settled against the session's transcript, with real servers and hooks and a transcript this test
 * writes as Claude Code would: an offer the transcript shows is seen and never offered again; one the model
 * answered without is offered again; one made to a session that ended goes to the next session with the name.
 */
class DeliveryIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;
    Path backendDir;
    Peer frontend;
    Peer backend;
    Path transcript;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new MeshFixture(tmp);
        backendDir = mesh.project("backend");
        frontend = mesh.server(mesh.project("frontend"));
        backend = mesh.server(backendDir);
        transcript = tmp.resolve("backend-session.jsonl");
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    HookRun hook(String command, String event, String session, Path log, Map<String, Object> extra) throws Exception {
        Map<String, Object> input = new java.util.HashMap<>(extra);
        input.put("transcript_path", log.toString());
        HookRun r = mesh.hook(command, backendDir, hookJson(event, session, backendDir, input));
        assertEquals(0, r.exitCode(), r.stderr());
        assertTrue(r.stdout().length() <= 10_000 + 200, "hook output of " + r.stdout().length() + " characters");
        return r;
    }

    HookRun prompt(Path log) throws Exception {
        return hook("inbox-poll", "UserPromptSubmit", "s-1", log, Map.of("prompt", "next"));
    }

    /** What Claude Code appends: the hook's context as the model got it. */
    static void modelWasGiven(Path log, String context) throws Exception {
        append(log, MeshFixture.JSON.writeValueAsString(Map.of("type", "attachment", "attachment",
                Map.of("type", "hook_additional_context", "content", List.of(context), "hookName", "UserPromptSubmit"))));
    }

    /** What Claude Code appends when the model answers. */
    static void modelAnswered(Path log) throws Exception {
        append(log, "{\"type\":\"assistant\",\"message\":{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"ok\"}]}}");
    }

    static void append(Path log, String line) throws Exception {
        Files.writeString(log, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    String tell(String text) {
        return (String) frontend.ok("tell_peer", Map.of("to", "backend", "message", text)).get("message_id");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> receipt(String id) {
        List<Map<String, Object>> rs = (List<Map<String, Object>>) frontend.ok("message_status", Map.of("id", id)).get("recipients");
        assertEquals(1, rs.size(), rs.toString());
        return rs.get(0);
    }

    @Test
    void anOfferTheTranscriptShowsIsSeenAndNeverOfferedAgain() throws Exception {
        String id = tell("PROVEN: shown once");
        assertEquals("queued", receipt(id).get("state"));
        String ctx = prompt(transcript).additionalContext();
        assertTrue(ctx.contains(id), ctx);
        assertEquals("offered", receipt(id).get("state"));
        assertEquals("prompt", receipt(id).get("offered_via"));

        modelWasGiven(transcript, ctx);
        modelAnswered(transcript);
        assertEquals("", prompt(transcript).stdout(), "seen: not offered again");
        Map<String, Object> r = receipt(id);
        assertEquals("seen", r.get("state"));
        assertEquals("transcript", r.get("seen_via"));
        assertEquals(List.of(), backend.inbox(), "nor by poll_inbox");
    }

    @Test
    void anOfferTheModelAnsweredWithoutIsOfferedAgainOnce() throws Exception {
        String id = tell("DROPPED: Claude Code never gave this to the model");
        assertTrue(prompt(transcript).additionalContext().contains(id));
        modelAnswered(transcript); // the model answered, and the hook's text is nowhere in the transcript

        String again = prompt(transcript).additionalContext();
        assertTrue(again.contains(id), "offered again: " + again);
        modelWasGiven(transcript, again);
        modelAnswered(transcript);
        assertEquals("", prompt(transcript).stdout());
        assertEquals("seen", receipt(id).get("state"));
    }

    @Test
    void anOfferNotYetJudgedIsLeftAloneWhileTheSessionIsIdle() throws Exception {
        String id = tell("IDLE: SessionStart's text is written with the first prompt");
        assertTrue(hook("session-start", "SessionStart", "s-1", transcript, Map.of("source", "startup")).additionalContext().contains(id));
        // No prompt yet: the transcript does not even exist. A prompt hook now must not offer it a second time.
        assertFalse(Files.exists(transcript));
        assertEquals("", prompt(transcript).stdout());
        assertEquals("offered", receipt(id).get("state"));
        assertEquals("session-start", receipt(id).get("offered_via"));
    }

    @Test
    void whatWasOfferedToASessionThatEndedGoesToTheNextSessionWithTheName() throws Exception {
        String seen = tell("SEEN: the first session's model read this");
        String unseen = tell("UNSEEN: the first session died before its model read this");
        String ctx = hook("session-start", "SessionStart", "s-1", transcript, Map.of("source", "startup")).additionalContext();
        assertTrue(ctx.contains(seen) && ctx.contains(unseen));
        // The first session's model was given only the first item (say its text was cut), then it died.
        modelWasGiven(transcript, "<peer_message id=\"" + seen + "\">SEEN</peer_message>");
        backend.stop();

        Peer next = mesh.server(backendDir);
        Path nextLog = tmp.resolve("next-session.jsonl");
        String nextCtx = hook("session-start", "SessionStart", "s-2", nextLog, Map.of("source", "startup")).additionalContext();
        assertTrue(nextCtx.contains(unseen), "offered again to the next session: " + nextCtx);
        assertFalse(nextCtx.contains(seen), "what the first session's model saw is not shown again: " + nextCtx);
        assertEquals("seen", receipt(seen).get("state"));
        assertEquals("offered", receipt(unseen).get("state"));
        assertEquals(List.of(), next.inbox());
    }

    @Test
    void noHookTextIsOver10000CharactersAndPollInboxStaysInItsBoundWithAHundredThousandItemsWaiting() throws Exception {
        long t = System.nanoTime();
        seed("backend", 100_000);
        System.out.printf("seeded 100,000 items in %d ms%n", (System.nanoTime() - t) / 1_000_000);
        HookRun start = hook("session-start", "SessionStart", "s-1", transcript, Map.of("source", "startup"));
        assertTrue(start.additionalContext().length() <= 10_000, "SessionStart: " + start.additionalContext().length());
        assertTrue(start.additionalContext().contains("more item(s) are waiting"), start.additionalContext());
        modelWasGiven(transcript, start.additionalContext());
        modelAnswered(transcript);
        HookRun p = prompt(transcript);
        assertTrue(p.additionalContext().length() <= 10_000, "prompt: " + p.additionalContext().length());
        modelWasGiven(transcript, p.additionalContext());
        modelAnswered(transcript);

        JsonNode poll = MeshFixture.JSON.valueToTree(backend.ok("poll_inbox", Map.of()));
        assertEquals(50, poll.path("items").size(), "at most 50 items a call");
        assertTrue(poll.path("more_waiting").asInt() > 99_000, poll.path("more_waiting").toString());
        assertTrue(MeshFixture.JSON.writeValueAsString(poll).length() < 60_000, "the result stays within its bound");
    }

    @Test
    void aFloodOfTwoHundredThousandMessagesLeavesEveryOtherSessionWritingAndTheFloodedOneReadingInBatches() throws Exception {
        Peer infra = mesh.server(mesh.project("infra"));
        List<String> errors = java.util.Collections.synchronizedList(new ArrayList<>());
        Thread bystanders = new Thread(() -> {
            for (int i = 0; i < 200 && !Thread.currentThread().isInterrupted(); i++) {
                var r = infra.call("tell_peer", Map.of("to", "frontend", "message", "bystander " + i));
                if (Boolean.TRUE.equals(r.isError())) {
                    errors.add(MeshFixture.text(r));
                }
            }
        });
        bystanders.start();
        seed("backend", 200_000);
        bystanders.join(120_000);
        assertEquals(List.of(), errors, "no busy error anywhere while the flood was written");
        int arrived = 0;
        for (List<?> got; !(got = (List<?>) frontend.ok("poll_inbox", Map.of()).get("items")).isEmpty(); ) {
            arrived += got.size();
        }
        assertEquals(200, arrived, "every bystander message arrived");

        // The flooded session reads in bounded batches, and keeps answering while it does.
        for (int i = 0; i < 5; i++) {
            JsonNode poll = MeshFixture.JSON.valueToTree(backend.ok("poll_inbox", Map.of()));
            assertEquals(50, poll.path("items").size());
        }
        HookRun p = prompt(transcript);
        assertTrue(p.additionalContext().length() <= 10_000);
        assertEquals("backend", backend.ok("list_peers", Map.of()).get("self"), "the flooded server still answers");
        System.out.printf("flooded server's resident memory: %d MB%n", rssMb("backend"));
    }

    /** {@code n} messages to {@code to}, written straight into the mesh as many senders would (fast, one transaction). */
    void seed(String to, int n) throws Exception {
        try (var c = mesh.connect()) {
            c.setAutoCommit(false);
            try (var ps = c.prepareStatement("INSERT INTO inbox (id, kind, sender, recipient, body, created_at) VALUES (?, 'message', 'ops', ?, ?, ?)")) {
                for (int i = 0; i < n; i++) {
                    ps.setString(1, String.format("m_%012x", 0xf00000000L + i));
                    ps.setString(2, to);
                    ps.setString(3, "flood item " + i + ": nothing to do, just count me");
                    ps.setLong(4, System.currentTimeMillis());
                    ps.addBatch();
                    if (i % 10_000 == 9_999) {
                        ps.executeBatch();
                        c.commit();
                    }
                }
                ps.executeBatch();
            }
            c.commit();
        }
    }

    long rssMb(String name) throws Exception {
        String pid = mesh.row("SELECT server_pid FROM peers WHERE name_key = '" + name + "'");
        for (String line : Files.readAllLines(Path.of("/proc", pid, "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }

}
