package dev.claudemesh.mcp;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tool a session's mcp_tool hooks call (UserPromptSubmit, PostToolUse, Stop), on real server processes: what
 * it answers is hook JSON Claude Code's decision parser takes, with the same delivery rules as the command hooks.
 */
class HookToolIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;
    Peer ops;

    @BeforeEach
    void start() throws Exception {
        mesh = new MeshFixture(tmp);
        ops = mesh.server(mesh.project("ops"));
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    /** One hook call as Claude Code makes it: the input's fields, each interpolated as a string. */
    private static Map<String, Object> hookCall(Peer peer, String event, Path transcript, String stopHookActive) throws Exception {
        Map<String, Object> args = new HashMap<>();
        args.put("hook_event_name", event);
        args.put("session_id", "s-1");
        args.put("transcript_path", transcript.toString());
        if (stopHookActive != null) {
            args.put("stop_hook_active", stopHookActive);
        }
        CallToolResult r = peer.call("hook_delivery", args);
        assertFalse(Boolean.TRUE.equals(r.isError()), MeshFixture.text(r));
        String text = MeshFixture.text(r);
        assertTrue(text.startsWith("{"), "hook output must be JSON (plain text is dropped for the model): " + text);
        @SuppressWarnings("unchecked")
        Map<String, Object> out = MeshFixture.JSON.readValue(text, Map.class);
        return out;
    }

    @SuppressWarnings("unchecked")
    private static String context(Map<String, Object> out, String event) {
        Map<String, Object> specific = (Map<String, Object>) out.get("hookSpecificOutput");
        if (specific == null) {
            return "";
        }
        assertEquals(event, specific.get("hookEventName"));
        return (String) specific.get("additionalContext");
    }

    private Path transcript() throws Exception {
        return Files.writeString(tmp.resolve("session-" + System.nanoTime() + ".jsonl"), "");
    }

    private String task(String to, String what) {
        return (String) ops.ok("delegate_task", Map.of("to", to, "description", what)).get("task_id");
    }

    @Test
    void promptHookAnswersWithHookJsonCarryingWaitingItemsFramedAsPeerTextOnce() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));
        Path log = transcript();
        String message = (String) ops.ok("tell_peer", Map.of("to", "backend", "message", "deploy at 5")).get("message_id");
        String ctx = context(hookCall(backend, "UserPromptSubmit", log, null), "UserPromptSubmit");
        assertTrue(ctx.contains(message) && ctx.contains("deploy at 5"), ctx);
        assertTrue(ctx.contains("<peer_message") && ctx.contains("from=\"ops\""), "framed as text from the named peer: " + ctx);
        assertEquals(Map.of(), hookCall(backend, "UserPromptSubmit", log, null), "an item offered once is not offered again");
    }

    @Test
    void afterAToolCallQuestionsAndTasksArriveAndMessagesWaitForThePrompt() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));
        Path log = transcript();
        String message = (String) ops.ok("tell_peer", Map.of("to", "backend", "message", "fyi")).get("message_id");
        String task = task("backend", "rotate the keys");
        String ctx = context(hookCall(backend, "PostToolUse", log, null), "PostToolUse");
        assertTrue(ctx.contains(task), ctx);
        assertFalse(ctx.contains(message), "messages wait for the prompt by default: " + ctx);
        assertTrue(ctx.contains("not part of the tool result"), "framed as notes beside the work, not part of it: " + ctx);
        String prompt = context(hookCall(backend, "UserPromptSubmit", log, null), "UserPromptSubmit");
        assertTrue(prompt.contains(message) && !prompt.contains(task), prompt);
    }

    @Test
    void withToolUseItemsAllMessagesArriveAfterAToolCallToo() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"), Map.of("MESH_TOOL_USE_ITEMS", "all"));
        String message = (String) ops.ok("tell_peer", Map.of("to", "backend", "message", "fyi")).get("message_id");
        assertTrue(context(hookCall(backend, "PostToolUse", transcript(), null), "PostToolUse").contains(message));
    }

    @Test
    void withToolUseItemsOffNothingArrivesAfterAToolCall() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"), Map.of("MESH_TOOL_USE_ITEMS", "off"));
        Path log = transcript();
        String task = task("backend", "later");
        assertEquals(Map.of(), hookCall(backend, "PostToolUse", log, null));
        assertTrue(context(hookCall(backend, "UserPromptSubmit", log, null), "UserPromptSubmit").contains(task));
    }

    /**
     * Claude Code ends a turn after CLAUDE_CODE_STOP_HOOK_BLOCK_CAP (8) blocks in a row and drops what the last
     * Stop hook said: with a new task arriving before every stop, the ninth stop lets the session go idle and
     * offers nothing, and that task is shown at the next prompt.
     */
    @Test
    void stopNeverBlocksMoreThanEightTimesInARowAndWhatWaitsComesWithTheNextPrompt() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));
        assertBlocksInARow(backend, 8);
    }

    @Test
    void aLowerStopHookBlockCapIsKept() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"), Map.of("CLAUDE_CODE_STOP_HOOK_BLOCK_CAP", "3"));
        assertBlocksInARow(backend, 3);
    }

    private void assertBlocksInARow(Peer backend, int cap) throws Exception {
        Path log = transcript();
        int blocks = 0;
        String last = null;
        for (int i = 0; i <= cap; i++) {
            last = task("backend", "task " + i);
            String ctx = context(hookCall(backend, "Stop", log, i == 0 ? "false" : "true"), "Stop");
            if (!ctx.isEmpty()) {
                assertTrue(ctx.contains(last), "each block shows the new task: " + ctx);
                blocks++;
            }
        }
        assertEquals(cap, blocks, "blocks in a row");
        String prompt = context(hookCall(backend, "UserPromptSubmit", log, null), "UserPromptSubmit");
        assertTrue(prompt.contains(last), "the task the capped stop left waits for the prompt: " + prompt);
        // A new turn starts a new count.
        String next = task("backend", "after the prompt");
        assertTrue(context(hookCall(backend, "Stop", log, "false"), "Stop").contains(next));
    }

    @Test
    void aHookOfAnUnknownEventIsAnErrorThatChangesNothing() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));
        String task = task("backend", "still here");
        CallToolResult r = backend.call("hook_delivery", Map.of("hook_event_name", "SessionStart"));
        assertTrue(Boolean.TRUE.equals(r.isError()), MeshFixture.text(r));
        assertTrue(context(hookCall(backend, "UserPromptSubmit", transcript(), null), "UserPromptSubmit").contains(task));
    }
}
