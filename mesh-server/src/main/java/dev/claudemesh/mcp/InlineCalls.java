package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Tools answered on the thread that reads stdin, past the MCP SDK: the tool the session's own {@code mcp_tool}
 * hooks call before every prompt and after every tool call. Claude Code waits for that answer before it sends
 * the model anything, and between prompts the SDK's path (the message decoded a second time into its types,
 * a hop to a pool thread through Reactor, the result encoded through its types) cost more than the answer
 * itself. Here the arguments the {@link RequestTap} scan cut out of the line are checked against the tool's
 * input schema exactly as {@link ToolSchemas} checks them for the SDK, the handler runs, and its result is
 * written as the SDK would write it: same text, same errors, same {@code isError}.
 *
 * <p>Only tools whose handlers answer at once belong here: while one runs, the next line waits to be read.
 * The tools stay registered with the SDK, so {@code tools/list} shows them as before.
 */
final class InlineCalls {
    static final InlineCalls NONE = new InlineCalls();

    private static final byte[] HEAD = ascii("{\"jsonrpc\":\"2.0\",\"id\":");
    private static final byte[] TEXT = ascii(",\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"");
    private static final byte[] END_OK = ascii("\"}],\"isError\":false}}");
    private static final byte[] END_ERROR = ascii("\"}],\"isError\":true}}");

    private record Entry(Tool tool, Function<ToolCall, CallToolResult> handler) {
    }

    private final Map<String, Entry> tools = new HashMap<>();

    /** Answers calls of {@code tool} here; to be called before the transport starts reading. */
    InlineCalls add(Tool tool, Function<ToolCall, CallToolResult> handler) {
        if (!ToolSchemas.simple(tool.inputSchema())) {
            throw new IllegalArgumentException(tool.name() + ": only tools whose schema ToolSchemas checks itself");
        }
        tools.put(tool.name(), new Entry(tool, handler));
        return this;
    }

    boolean handles(String toolName) {
        return toolName != null && tools.containsKey(toolName);
    }

    /** The whole JSON-RPC response to a call of {@code toolName} (one {@link #handles} said yes to). */
    byte[] answer(RpcOut out, JsonNode id, String toolName, Map<String, Object> arguments) {
        CallToolResult r = call(tools.get(toolName), arguments);
        byte[] plain = plainText(id, r);
        return plain != null ? plain : out.resultOf(id, r);
    }

    /**
     * The response to a result of one text and nothing else (all a hook's answer is), written directly: the
     * same JSON the SDK's types make, without building and walking a tree for it. Null for any other result.
     */
    static byte[] plainText(JsonNode id, CallToolResult r) {
        if (r.content() == null || r.content().size() != 1 || !(r.content().get(0) instanceof TextContent t)
                || t.annotations() != null || t.meta() != null || r.structuredContent() != null || r.meta() != null
                || t.text() == null || r.isError() == null || !(id.isTextual() || id.isNumber())) {
            return null;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(t.text().length() + 96);
        b.writeBytes(HEAD);
        b.writeBytes(LeanJson.bytes(id)); // a string or number node
        b.writeBytes(TEXT);
        b.writeBytes(JsonStringEncoder.getInstance().quoteAsUTF8(t.text()));
        b.writeBytes(r.isError() ? END_ERROR : END_OK);
        return b.toByteArray();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static CallToolResult call(Entry e, Map<String, Object> arguments) {
        String problem = ToolSchemas.problem(e.tool.inputSchema(), arguments, null);
        if (problem != null) {
            // The SDK's own words for a call its validator refuses.
            return MeshTools.error("Tool (" + e.tool.name() + ") input validation failed: " + problem);
        }
        try {
            return e.handler.apply(ToolCall.of(arguments));
        } catch (RuntimeException ex) {
            return MeshTools.failure(e.tool, ex);
        }
    }
}
