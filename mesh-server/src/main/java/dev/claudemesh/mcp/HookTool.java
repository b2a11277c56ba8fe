package dev.claudemesh.mcp;

import dev.claudemesh.hook.HookException;
import dev.claudemesh.hook.HookInput;
import dev.claudemesh.hook.InboxPoll;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.Peer;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

import static dev.claudemesh.mcp.Json.obj;
import static dev.claudemesh.mcp.Json.schema;
import static dev.claudemesh.mcp.Json.string;

/**
 * The tool the session's {@code mcp_tool} hooks call (UserPromptSubmit, PostToolUse, Stop): the server answers
 * its own session's hooks in-process, with {@link InboxPoll}'s rules, and no process starts. The server is the
 * session's own by construction, so the peer is this server's; the hook's input arrives as the arguments.
 *
 * <p>Claude Code parses the result's text as hook output (JSON, since plain text from an {@code mcp_tool} hook is
 * dropped for the model) and ignores {@code structuredContent}, so the result is text alone. A model that calls
 * the tool itself gets the same text as a tool result: the items framed as peer text, offered to it and seen once
 * the transcript records the result, exactly as poll_inbox would hand them over. Nothing else changes.
 */
final class HookTool {
    static final String NAME = "hook_delivery";
    /** What the hooks send: the hook input's own fields, by the same names. */
    static final List<String> FIELDS = List.of("hook_event_name", "session_id", "transcript_path", "stop_hook_active");
    /** Valid hook output that says nothing, for a hook with nothing to add. */
    static final String NOTHING = "{}";

    private final Mesh mesh;
    private final AtomicReference<String> selfName;
    private final InboxPoll.Rules rules;

    HookTool(Mesh mesh, AtomicReference<String> selfName, InboxPoll.Rules rules) {
        this.mesh = mesh;
        this.selfName = selfName;
        this.rules = rules;
    }

    static Tool tool() {
        return Tool.builder(NAME, schema(obj(
                        "hook_event_name", obj("type", "string", "enum", List.of(InboxPoll.PROMPT, InboxPoll.TOOL_USE, InboxPoll.STOP),
                                "description", "The hook event"),
                        "session_id", string("Claude Code's session id"),
                        "transcript_path", string("The session's transcript"),
                        "stop_hook_active", obj("description", "Stop: \"true\" when this stop follows a Stop hook's block")),
                        List.of("hook_event_name")))
                .description("Used by claude-mesh's own Claude Code hooks (UserPromptSubmit, PostToolUse, Stop): answers with "
                        + "hook output that brings peers' items into this conversation. You never need to call it; to read "
                        + "your inbox call poll_inbox. Calling it does no harm: it only shows what waits for you.")
                .annotations(new ToolAnnotations(null, false, false, false, false, null))
                .build();
    }

    CallToolResult call(ToolCall call) {
        Map<String, Object> args = new java.util.HashMap<>();
        for (String f : FIELDS) {
            Object v = call.raw(f);
            if (v != null) {
                args.put(f, v);
            }
        }
        Optional<Peer> me = mesh.peer(selfName.get());
        if (me.isEmpty()) {
            return text(NOTHING);
        }
        if (!(args.get("transcript_path") instanceof String t) || t.isBlank()) {
            // Called by hand (the hooks always send it): proof of what the result showed is in the recorded transcript.
            me.get().transcript().ifPresent(t -> args.put("transcript_path", t));
        }
        try {
            String out = InboxPoll.answerFor(mesh, me.get(), HookInput.of(args), rules).stdout();
            return text(out.isEmpty() ? NOTHING : out);
        } catch (HookException e) {
            throw new MeshException(e.getMessage());
        }
    }

    private static CallToolResult text(String s) {
        return CallToolResult.builder().addTextContent(s).isError(false).build();
    }
}
