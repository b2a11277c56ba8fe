package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.claudemesh.mesh.MeshException;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Calls of the hooks' tool answered by the tap itself, past the SDK: the handler gets the arguments as the SDK
 * would have given them, whatever the order of the call's fields; bad arguments get the SDK's own error; and
 * everything that is not such a call still goes to the SDK.
 */
class InlineCallsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    final List<Map<String, Object>> seen = new ArrayList<>();
    RequestTap tap;

    @BeforeEach
    void handshake() {
        InlineCalls inline = new InlineCalls().add(HookTool.tool(), call -> {
            Map<String, Object> args = new TreeMap<>();
            for (String f : HookTool.FIELDS) {
                if (call.raw(f) != null) {
                    args.put(f, call.raw(f));
                }
            }
            seen.add(args);
            if ("Stop".equals(args.get("hook_event_name"))) {
                throw new MeshException("no stopping here");
            }
            return CallToolResult.builder().addTextContent("{\"said\":\"" + args.get("hook_event_name") + "\",\"q\":\"\\\"\"}")
                    .isError(false).build();
        });
        tap = new RequestTap(new RpcOut(new ByteArrayOutputStream()), id -> { }, () -> { }, inline);
        assertNotNull(tap.inspect(bytes(RequestTapTest.INIT)).forward());
        assertNotNull(tap.inspect(bytes(RequestTapTest.INITIALIZED)).forward());
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    JsonNode answered(String line) throws Exception {
        RequestTap.Verdict v = tap.inspect(bytes(line));
        assertNull(v.forward(), "must not reach the SDK: " + line);
        assertNotNull(v.reply(), line);
        String text = new String(v.reply(), StandardCharsets.UTF_8);
        assertTrue(!text.contains("\n"), "one line: " + text);
        return JSON.readTree(text);
    }

    @Test
    void aHookCallIsAnsweredHereWithTheHandlersTextExactlyAsTheSdkWritesIt() throws Exception {
        JsonNode r = answered("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"hook_delivery\","
                + "\"arguments\":{\"hook_event_name\":\"UserPromptSubmit\",\"session_id\":\"s-1\",\"transcript_path\":\"/t é.jsonl\"},"
                + "\"_meta\":{\"progressToken\":3}}}");
        assertEquals(JSON.readTree("{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{\"content\":[{\"type\":\"text\","
                + "\"text\":\"{\\\"said\\\":\\\"UserPromptSubmit\\\",\\\"q\\\":\\\"\\\\\\\"\\\"}\"}],\"isError\":false}}"), r);
        assertEquals(List.of(Map.of("hook_event_name", "UserPromptSubmit", "session_id", "s-1", "transcript_path", "/t é.jsonl")), seen);
        // The SDK's own encoding of the same result, for comparison.
        CallToolResult same = CallToolResult.builder().addTextContent(r.at("/result/content/0/text").asText()).isError(false).build();
        assertEquals(JSON.valueToTree(same), r.get("result"));
    }

    @Test
    void argumentsBeforeTheNameAndStringIdsAreAnsweredTheSameWay() throws Exception {
        JsonNode r = answered("{\"params\":{\"arguments\":{\"hook_event_name\":\"PostToolUse\",\"stop_hook_active\":\"false\"},"
                + "\"name\":\"hook_delivery\"},\"method\":\"tools/call\",\"id\":\"a\\\"b\",\"jsonrpc\":\"2.0\"}");
        assertEquals("a\"b", r.get("id").asText());
        assertEquals(false, r.at("/result/isError").asBoolean());
        assertEquals(List.of(Map.of("hook_event_name", "PostToolUse", "stop_hook_active", "false")), seen);
    }

    @Test
    void badArgumentsGetTheSdksValidationErrorAndTheHandlerNeverRuns() throws Exception {
        String[][] cases = {
                {"{}", "missing required argument 'hook_event_name'"},
                {"{\"hook_event_name\":\"Nope\"}", "argument 'hook_event_name' must be one of [UserPromptSubmit, PostToolUse, Stop], got \"Nope\""},
                {"{\"hook_event_name\":\"Stop\",\"extra\":1}", "unknown argument 'extra'; this tool takes hook_event_name, session_id, transcript_path, stop_hook_active"},
                {"{\"hook_event_name\":5}", "argument 'hook_event_name' must be a string, got 5"},
                {"null", "missing required argument 'hook_event_name'"},
        };
        for (String[] c : cases) {
            JsonNode r = answered("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"hook_delivery\",\"arguments\":" + c[0] + "}}");
            assertEquals(true, r.at("/result/isError").asBoolean(), c[0]);
            assertEquals("Tool (hook_delivery) input validation failed: " + c[1], r.at("/result/content/0/text").asText(), c[0]);
        }
        JsonNode none = answered("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"hook_delivery\"}}");
        assertEquals("Tool (hook_delivery) input validation failed: missing required argument 'hook_event_name'",
                none.at("/result/content/0/text").asText());
        assertEquals(List.of(), seen);
    }

    @Test
    void aFailingHandlerIsAnErrorResultNamingTheProblem() throws Exception {
        JsonNode r = answered("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"hook_delivery\","
                + "\"arguments\":{\"hook_event_name\":\"Stop\"}}}");
        assertEquals(true, r.at("/result/isError").asBoolean());
        assertEquals("no stopping here", r.at("/result/content/0/text").asText());
    }

    @Test
    void everythingElseStillReachesTheSdk() {
        String other = "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/call\",\"params\":{\"name\":\"poll_inbox\",\"arguments\":{}}}";
        RequestTap.Verdict v = tap.inspect(bytes(other));
        assertNull(v.reply());
        assertTrue(new String(v.forward(), StandardCharsets.UTF_8).contains(RequestTap.META_KEY), "an SDK call keeps its id splice");
        // Arguments that are not an object are the SDK's to refuse, in its words.
        String notObject = "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":{\"name\":\"hook_delivery\",\"arguments\":\"x\"}}";
        assertNotNull(tap.inspect(bytes(notObject)).forward());
        assertEquals(List.of(), seen);
    }
}
