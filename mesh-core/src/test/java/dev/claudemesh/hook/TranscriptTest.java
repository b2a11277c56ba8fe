package dev.claudemesh.hook;

import dev.claudemesh.mesh.SeenLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** What counts as proof in a transcript, on lines shaped as Claude Code 2.1.328 writes them. */
class TranscriptTest {
    @TempDir
    Path tmp;

    private static final String HOOK_STDOUT = """
            {"parentUuid":null,"attachment":{"type":"hook_success","hookName":"UserPromptSubmit","stdout":"{\\"hookSpecificOutput\\":{\\"additionalContext\\":\\"m_aaaaaaaaaaa1\\"}}","exitCode":0},"type":"attachment","uuid":"1"}
            """;
    private static final String HOOK_CONTEXT = """
            {"parentUuid":"1","attachment":{"type":"hook_additional_context","content":["<peer_message from=\\"web\\" message_id=\\"m_aaaaaaaaaaa2\\">hi</peer_message>"],"hookName":"UserPromptSubmit","hookEvent":"UserPromptSubmit"},"type":"attachment","uuid":"2"}
            """;
    private static final String ENQUEUED = """
            {"type":"queue-operation","operation":"enqueue","timestamp":"2026-12-01T19:01:40.581Z","content":"<channel source=\\"claude-mesh\\" message_id=\\"m_aaaaaaaaaaa3\\">x</channel>"}
            """;
    private static final String CHANNEL_SHOWN = """
            {"parentUuid":"2","type":"user","message":{"role":"user","content":"<channel source=\\"claude-mesh\\" message_id=\\"m_aaaaaaaaaaa3\\">x</channel>"},"isMeta":true,"uuid":"3"}
            """;

    private Path transcript(String... lines) throws IOException {
        Path f = tmp.resolve("session.jsonl");
        Files.writeString(f, String.join("", lines), StandardCharsets.UTF_8);
        return f;
    }

    @Test
    void hookContextAndUserMessagesCountAsSeenAndARawHookStdoutDoesNot() throws IOException {
        Path f = transcript(HOOK_STDOUT, HOOK_CONTEXT, ENQUEUED, CHANNEL_SHOWN);
        SeenLog.Scan s = new Transcript().scan(f.toString(), 0, List.of("m_aaaaaaaaaaa1", "m_aaaaaaaaaaa2", "m_aaaaaaaaaaa3"));
        assertEquals(Set.of("m_aaaaaaaaaaa2", "m_aaaaaaaaaaa3"), s.seen());
        assertEquals(Set.of("m_aaaaaaaaaaa3"), s.enqueued());
        assertEquals(Files.size(f), s.offset());
    }

    @Test
    void theLastAnswerIsDatedByItsOwnLineNotByWhereItWasWritten() throws IOException {
        String answer = "{\"parentUuid\":\"3\",\"message\":{\"role\":\"assistant\",\"content\":[]},\"type\":\"assistant\","
                + "\"uuid\":\"4\",\"timestamp\":\"2026-12-01T23:15:44.905Z\"}\n";
        Path f = transcript(HOOK_CONTEXT, answer);
        SeenLog.Scan s = new Transcript().scan(f.toString(), 0, List.of("m_aaaaaaaaaaa2"));
        assertEquals(java.time.Instant.parse("2026-12-01T23:15:44.905Z").toEpochMilli(), s.lastAnswerAt());
        assertEquals(HOOK_CONTEXT.getBytes(StandardCharsets.UTF_8).length, s.lastAnswer());
    }

    @Test
    void timestampsAreReadAsJavaTimeReadsThemAndAnythingElseIsUnknown() {
        for (String t : List.of("2026-12-01T23:15:44.905Z", "2024-02-29T00:00:00Z", "1970-01-01T00:00:00.1Z",
                "2000-03-01T12:34:56.789123Z", "2099-12-31T23:59:59.999Z", "1999-01-01T01:02:03.004Z")) {
            assertEquals(java.time.Instant.parse(t).toEpochMilli(), Transcript.epochMillis(t), t);
        }
        for (String bad : List.of("", "yesterday", "2026-12-01 23:15:44Z", "2026-13-01T00:00:00Z", "2026-12-01T23:15:44+01:00")) {
            assertEquals(-1, Transcript.epochMillis(bad), bad);
        }
    }

    @Test
    void anAcceptedChannelEventNotYetShownIsOnlyEnqueued() throws IOException {
        Path f = transcript(ENQUEUED);
        SeenLog.Scan s = new Transcript().scan(f.toString(), 0, List.of("m_aaaaaaaaaaa3"));
        assertEquals(Set.of(), s.seen());
        assertEquals(Set.of("m_aaaaaaaaaaa3"), s.enqueued());
    }

    @Test
    void aLineStillBeingWrittenIsLeftForTheNextScan() throws IOException {
        Path f = transcript(HOOK_STDOUT);
        long whole = Files.size(f);
        String half = HOOK_CONTEXT.substring(0, HOOK_CONTEXT.length() / 2);
        Files.writeString(f, half, StandardOpenOption.APPEND);
        SeenLog.Scan first = new Transcript().scan(f.toString(), 0, List.of("m_aaaaaaaaaaa2"));
        assertEquals(Set.of(), first.seen());
        assertEquals(whole, first.offset());

        Files.writeString(f, HOOK_CONTEXT.substring(half.length()), StandardOpenOption.APPEND);
        SeenLog.Scan second = new Transcript().scan(f.toString(), first.offset(), List.of("m_aaaaaaaaaaa2"));
        assertEquals(Set.of("m_aaaaaaaaaaa2"), second.seen());
    }

    @Test
    void aMissingOrForeignLogProvesNothing() throws IOException {
        assertEquals(Set.of(), new Transcript().scan(tmp.resolve("none.jsonl").toString(), 0, List.of("m_aaaaaaaaaaa2")).seen());
        Path link = tmp.resolve("link.jsonl");
        Files.createSymbolicLink(link, transcript(HOOK_CONTEXT));
        assertEquals(Set.of(), new Transcript().scan(link.toString(), 0, List.of("m_aaaaaaaaaaa2")).seen(),
                "a symlink is not followed");
    }
}
