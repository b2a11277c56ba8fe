package dev.claudemesh.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** What the scripted model answers: text that ends its turn, or one tool call. */
public record Reply(List<Block> blocks, String stopReason, Duration delay) {

    /** One content block of the answer. */
    public record Block(String type, String text, String tool, JsonNode input) {
        ObjectNode json(AtomicInteger ids) {
            ObjectNode b = ModelApi.JSON.createObjectNode().put("type", type);
            if ("text".equals(type)) {
                b.put("text", text);
            } else {
                b.put("id", "toolu_e2e_" + ids.incrementAndGet()).put("name", tool).set("input", input);
            }
            return b;
        }
    }

    /** Ends the turn with {@code text}. */
    public static Reply say(String text) {
        return new Reply(List.of(new Block("text", text, null, null)), "end_turn", Duration.ZERO);
    }

    /** Calls {@code tool} (a full name such as {@code mcp__claude-mesh__ask_peer}) with {@code input}. */
    public static Reply call(String tool, JsonNode input) {
        return new Reply(List.of(new Block("tool_use", null, tool, input)), "tool_use", Duration.ZERO);
    }

    /** Calls one of claude-mesh's own tools ({@code ask_peer} → {@code mcp__claude-mesh__ask_peer}). */
    public static Reply mesh(String tool, Object... keyValues) {
        return call(Script.MESH + tool, ModelApi.JSON.valueToTree(ModelApi.map(keyValues)));
    }

    /** The same answer, given only after {@code d} (a slow model). */
    public Reply after(Duration d) {
        return new Reply(blocks, stopReason, d);
    }
}
