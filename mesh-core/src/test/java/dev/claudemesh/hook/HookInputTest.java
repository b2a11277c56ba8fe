package dev.claudemesh.hook;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a hook makes of the JSON Claude Code writes on its stdin, and of anything else found there. */
class HookInputTest {

    private static HookInput parse(String json) throws HookException {
        return HookInput.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void topLevelScalarsAreReadAndNestedValuesSkipped() throws HookException {
        HookInput in = parse("""
                {"hook_event_name":"Stop","session_id":"s-1","stop_hook_active":true,
                 "tool_input":{"session_id":"not this one","list":[1,{"a":"b"}]},"prompts":["x","y"],
                 "transcript_path":"/tmp/t.jsonl","count":3}""");
        assertEquals("Stop", in.event());
        assertEquals(Optional.of("s-1"), in.string("session_id"), "a nested field of the same name is not the top-level one");
        assertTrue(in.flag("stop_hook_active"));
        assertEquals(Optional.of("/tmp/t.jsonl"), in.string("transcript_path"));
        assertEquals(Optional.of("3"), in.string("count"), "a number is kept as its text");
        assertEquals(Optional.empty(), in.string("tool_input"), "an object is skipped, not kept as text");
        assertEquals(Optional.empty(), in.string("prompts"));
    }

    @Test
    void aBlankOrMissingStringIsAbsentAndOnlyTrueIsAFlag() throws HookException {
        HookInput in = parse("{\"cwd\":\"  \",\"a\":false,\"b\":\"true\",\"c\":\"yes\",\"d\":null}");
        assertEquals(Optional.empty(), in.string("cwd"));
        assertEquals(Optional.empty(), in.string("nowhere"));
        assertFalse(in.flag("a"));
        assertTrue(in.flag("b"), "Claude Code's true, written as a string, still counts");
        assertFalse(in.flag("c"));
        assertFalse(in.flag("d"));
        assertEquals("", in.event(), "no hook_event_name: an empty event, not an error");
    }

    @Test
    void inputThatIsNotOneJsonObjectIsRefusedWithItsReason() {
        assertTrue(assertThrows(HookException.class, () -> parse("[1,2]")).getMessage().contains("not a JSON object"));
        assertTrue(assertThrows(HookException.class, () -> parse("\"text\"")).getMessage().contains("not a JSON object"));
        assertTrue(assertThrows(HookException.class, () -> parse("{\"a\":1")).getMessage().contains("hook input"));
        assertTrue(assertThrows(HookException.class, () -> parse("{\"a\":}")).getMessage().contains("not valid JSON"));
        assertTrue(assertThrows(HookException.class, () -> parse(" \n\t")).getMessage().contains("no hook input"));
    }

    @Test
    void readBytesTakesStdinWholeAndRefusesNothingOrFarTooMuch() throws HookException {
        byte[] json = "{\"hook_event_name\":\"UserPromptSubmit\"}".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(json, HookInput.readBytes(new ByteArrayInputStream(json)));
        assertTrue(assertThrows(HookException.class, () -> HookInput.readBytes(new ByteArrayInputStream(new byte[0])))
                .getMessage().contains("no hook input"));
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return ' ';
            }
        };
        assertTrue(assertThrows(HookException.class, () -> HookInput.readBytes(endless)).getMessage().contains("MB"),
                "a stream that never ends is cut off, not read until memory runs out");
    }

    @Test
    void aStdinThatFailsIsAHookErrorNotACrash() {
        InputStream broken = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("pipe broke");
            }
        };
        assertTrue(assertThrows(HookException.class, () -> HookInput.readBytes(broken)).getMessage().contains("pipe broke"));
    }
}
