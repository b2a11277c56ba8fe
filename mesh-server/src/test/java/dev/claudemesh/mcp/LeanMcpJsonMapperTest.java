package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.AnswerWaits;
import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Processes;
import dev.claudemesh.store.SqliteStore;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Icon;
import io.modelcontextprotocol.spec.McpSchema.Implementation;
import io.modelcontextprotocol.spec.McpSchema.InitializeRequest;
import io.modelcontextprotocol.spec.McpSchema.InitializeResult;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCNotification;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCRequest;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCResponse;
import io.modelcontextprotocol.spec.McpSchema.ListToolsResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The server's lean JSON mapper must say and hear exactly what the SDK's Jackson mapper does: the same bytes out
 * for every shape it writes itself, the same records in for every shape it reads itself, and for everything else
 * the Jackson mapper's own answer (or error).
 */
@SuppressWarnings("deprecation") // the SDK builds its results with these constructors itself
class LeanMcpJsonMapperTest {
    final McpJsonMapper lean = new LeanMcpJsonMapper();
    final McpJsonMapper jackson = new JacksonMcpJsonMapper(new ObjectMapper());

    /** What Claude Code 2.1.328 sent a server at start (recorded from its stdin), and what it sends after. */
    static final List<String> CLAUDE_CODE_LINES = List.of(
            "{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\",\"method\":\"server/discover\",\"params\":{\"_meta\":"
                    + "{\"io.modelcontextprotocol/protocolVersion\":\"2026-07-28\",\"io.modelcontextprotocol/clientInfo\":"
                    + "{\"name\":\"claude-code\",\"title\":\"Claude Code\",\"version\":\"2.1.328\"},"
                    + "\"io.modelcontextprotocol/clientCapabilities\":{\"roots\":{\"listChanged\":true},"
                    + "\"elicitation\":{\"form\":{},\"url\":{}}}}}}",
            "{\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"roots\":"
                    + "{\"listChanged\":true},\"elicitation\":{\"form\":{},\"url\":{}}},\"clientInfo\":{\"name\":"
                    + "\"claude-code\",\"title\":\"Claude Code\",\"version\":\"2.1.328\",\"description\":\"Anthropic's "
                    + "agentic coding tool\",\"websiteUrl\":\"https://claude.com/claude-code\"}},\"jsonrpc\":\"2.0\",\"id\":0}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
            "{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}",
            "{\"method\":\"tools/call\",\"params\":{\"name\":\"hook_delivery\",\"arguments\":{\"hook_event_name\":"
                    + "\"UserPromptSubmit\",\"session_id\":\"s\"},\"_meta\":{\"claude_mesh_request_id\":\"2\"}},"
                    + "\"jsonrpc\":\"2.0\",\"id\":2}",
            "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7,\"reason\":\"x\"}}",
            "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":{\"roots\":[{\"uri\":\"file:///tmp/p\",\"name\":\"p\"}]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":\"r1\",\"error\":{\"code\":-32601,\"message\":\"Method not found\",\"data\":[1,2.5,null]}}",
            "{\"jsonrpc\":\"2.0\",\"id\":12345678901234,\"method\":\"ping\"}",
            "{\"jsonrpc\":\"2.0\",\"id\":1e3,\"method\":\"ping\",\"params\":{\"big\":123456789012345678901234567890,"
                    + "\"f\":-0.125,\"u\":\"\\u00e9\\ud83d\\ude00\",\"n\":null,\"t\":true,\"a\":[[],{}]}}");

    @Test
    void readsEveryMessageAsTheSdksMapperDoes() throws Exception {
        List<String> odd = List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}",
                "{\"jsonrpc\":\"\",\"id\":1,\"method\":\"ping\"}",
                "{\"jsonrpc\":2,\"method\":\"x\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{\"code\":1,\"message\":\"m\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":\"1\",\"message\":\"m\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":123456789012345678901234567890,\"result\":{}}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"x\"} trailing");
        List<String> all = new ArrayList<>(CLAUDE_CODE_LINES);
        all.addAll(odd);
        for (String line : all) {
            assertEquals(message(jackson, line), message(lean, line), line);
        }
    }

    @Test
    void readsWhatClaudeCodeSendsWithoutJackson() throws Exception {
        Map<?, ?> discover = (Map<?, ?>) lean.readValue(CLAUDE_CODE_LINES.get(0), Map.class);
        Map<?, ?> init = (Map<?, ?>) lean.readValue(CLAUDE_CODE_LINES.get(1), Map.class);
        Map<?, ?> initialized = (Map<?, ?>) lean.readValue(CLAUDE_CODE_LINES.get(2), Map.class);
        Map<?, ?> call = (Map<?, ?>) lean.readValue(CLAUDE_CODE_LINES.get(4), Map.class);
        Map<?, ?> answer = (Map<?, ?>) lean.readValue(CLAUDE_CODE_LINES.get(7), Map.class);
        assertNotNull(LeanMcpJsonMapper.convert(discover, JSONRPCRequest.class));
        assertNotNull(LeanMcpJsonMapper.convert(init, JSONRPCRequest.class));
        assertNotNull(LeanMcpJsonMapper.convert(init.get("params"), InitializeRequest.class));
        assertNotNull(LeanMcpJsonMapper.convert(initialized, JSONRPCNotification.class));
        assertNotNull(LeanMcpJsonMapper.convert(call.get("params"), CallToolRequest.class));
        assertNotNull(LeanMcpJsonMapper.convert(answer, JSONRPCResponse.class));
    }

    @Test
    void convertsInitializeAndToolCallsAsTheSdksMapperDoes() throws Exception {
        for (String line : CLAUDE_CODE_LINES) {
            Object params = ((Map<?, ?>) lean.readValue(line, Map.class)).get("params");
            if (params == null) {
                continue;
            }
            assertEquals(convert(jackson, params, InitializeRequest.class), convert(lean, params, InitializeRequest.class), line);
            assertEquals(convert(jackson, params, CallToolRequest.class), convert(lean, params, CallToolRequest.class), line);
        }
        List<String> edges = List.of(
                "{\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"version\":\"1\"}}",
                "{\"protocolVersion\":\"x\",\"capabilities\":{\"sampling\":{},\"experimental\":{\"a\":{\"b\":1}},"
                        + "\"extensions\":{\"io.x/y\":{\"k\":true}},\"roots\":{}},\"clientInfo\":{\"name\":\"c\"},"
                        + "\"_meta\":{\"m\":[1]},\"unknown\":5}",
                // Shapes done by Jackson itself: a boolean given as a string, icons, a missing field.
                "{\"protocolVersion\":\"x\",\"capabilities\":{\"roots\":{\"listChanged\":\"true\"}},\"clientInfo\":{\"name\":\"c\"}}",
                "{\"protocolVersion\":\"x\",\"capabilities\":{},\"clientInfo\":{\"name\":\"c\",\"icons\":[{\"src\":\"a.png\"}]}}",
                "{\"protocolVersion\":\"x\",\"clientInfo\":{\"name\":\"c\"}}",
                "{\"name\":\"t\"}",
                "{\"name\":\"t\",\"arguments\":{\"a\":{\"b\":[1,\"2\"]}},\"_meta\":{\"progressToken\":3}}",
                "{\"name\":\"t\",\"arguments\":\"not an object\"}");
        for (String e : edges) {
            Object params = lean.readValue(e, Map.class);
            assertEquals(convert(jackson, params, InitializeRequest.class), convert(lean, params, InitializeRequest.class), e);
            assertEquals(convert(jackson, params, CallToolRequest.class), convert(lean, params, CallToolRequest.class), e);
            assertEquals(convertRef(jackson, params), convertRef(lean, params), e);
        }
    }

    private static Object message(McpJsonMapper m, String line) {
        try {
            return McpSchema.deserializeJsonRpcMessage(m, line);
        } catch (Exception e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    /** The record, or the error's class and words when the mapper refuses. */
    private static Object convert(McpJsonMapper m, Object from, Class<?> type) {
        try {
            return m.convertValue(from, type);
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    private static Object convertRef(McpJsonMapper m, Object from) {
        try {
            return m.convertValue(from, new TypeRef<InitializeRequest>() {
            });
        } catch (RuntimeException e) {
            return e.getClass().getName() + ": " + e.getMessage();
        }
    }

    @Test
    void writesWhatTheServerSendsByteForByteAsTheSdksMapper(@TempDir Path tmp) throws Exception {
        List<Object> values = new ArrayList<>();
        ServerCapabilities withChannel = ServerCapabilities.builder().tools(false)
                .experimental(Map.of("claude/channel", Map.of())).build();
        ServerCapabilities everything = ServerCapabilities.builder().completions().logging().prompts(true)
                .resources(true, null).tools(true).build();
        values.add(JSONRPCResponse.result(0, new InitializeResult("2025-11-25", withChannel,
                new Implementation("claude-mesh", "0.1.0"), ServerMain.INSTRUCTIONS)));
        values.add(JSONRPCResponse.result("x", new InitializeResult("2025-06-18", everything,
                new Implementation("n", "t", "v", "d", null, "https://example.com"), null, Map.of("m", 1))));
        values.add(JSONRPCResponse.result(1, ListToolsResult.builder(ourTools(tmp)).build()));
        values.add(JSONRPCResponse.result(1, ListToolsResult.builder(List.of(Tool.builder().name("t").title("T")
                .description("d").inputSchema(Map.of("type", "object")).outputSchema(Map.of("type", "object"))
                .annotations(new ToolAnnotations("T", true, false, true, null, false)).meta(Map.of("k", "v"))
                .build())).nextCursor("c").build()));
        Map<String, Object> structured = new LinkedHashMap<>();
        structured.put("status", "answered");
        structured.put("count", 3L);
        structured.put("none", null);
        structured.put("nested", List.of(Map.of("a", 1), Arrays.asList(1.5, 2.5f, null, true)));
        structured.put("big", new BigInteger("123456789012345678901234567890"));
        structured.put("dec", new BigDecimal("0.10"));
        values.add(JSONRPCResponse.result(7, CallToolResult.builder().addTextContent("a \"quoted\" line\nand é ☃ 😀")
                .structuredContent(structured).isError(false).build()));
        values.add(JSONRPCResponse.result(8, CallToolResult.builder().addTextContent("x").isError(true).build()));
        values.add(JSONRPCResponse.result(9, new CallToolResult(List.of(new TextContent(null, "t", Map.of("m", 2))),
                null, null, Map.of("k", List.of()))));
        values.add(JSONRPCResponse.result(10, Map.of()));
        values.add(JSONRPCResponse.error("server-discover-probe-1",
                new JSONRPCResponse.JSONRPCError(-32601, "Method not found: server/discover", null)));
        values.add(JSONRPCResponse.error(11, new JSONRPCResponse.JSONRPCError(-32603, "boom", Map.of("why", "x"))));
        values.add(new JSONRPCNotification("2.0", "notifications/claude/channel",
                Map.of("content", "<peer>hi</peer>", "meta", Map.of("kind", "message", "from", "api"))));
        values.add(new JSONRPCNotification("2.0", "notifications/tools/list_changed", null));
        values.add(new JSONRPCRequest("2.0", "roots/list", "srv-1", null));
        values.add(new JSONRPCRequest("2.0", "ping", 5, Map.of()));
        for (Object v : values) {
            byte[] mine = LeanJson.bytes(v);
            assertNotNull(mine, "written by Jackson instead: " + v);
            assertEquals(new String(jackson.writeValueAsBytes(v), StandardCharsets.UTF_8), new String(mine, StandardCharsets.UTF_8));
            assertEquals(new String(jackson.writeValueAsBytes(v), StandardCharsets.UTF_8),
                    new String(lean.writeValueAsBytes(v), StandardCharsets.UTF_8));
            assertEquals(jackson.writeValueAsString(v), lean.writeValueAsString(v));
        }
    }

    @Test
    void leavesShapesItDoesNotKnowToJackson() throws Exception {
        Tool withIcon = new Tool("t", null, null, Map.of("type", "object"), null, null, null,
                List.of(new Icon("https://example.com/i.png", "image/png", null, null)));
        Map<Object, Object> numberKeys = new HashMap<>();
        numberKeys.put(1, "one");
        List<Object> values = List.of(
                JSONRPCResponse.result(1, ListToolsResult.builder(List.of(withIcon)).build()),
                JSONRPCResponse.result(2, CallToolResult.builder().addContent(new McpSchema.ImageContent(null, "AAAA",
                        "image/png")).build()),
                JSONRPCResponse.result(3, Map.of("id", java.util.UUID.fromString("00000000-0000-0000-0000-00000000002a"), "role", McpSchema.Role.USER)),
                numberKeys);
        for (Object v : values) {
            assertNull(LeanJson.bytes(v), "should be Jackson's: " + v);
            assertEquals(jackson.writeValueAsString(v), lean.writeValueAsString(v));
            assertEquals(Arrays.toString(jackson.writeValueAsBytes(v)), Arrays.toString(lean.writeValueAsBytes(v)));
        }
    }

    @Test
    void refusesWhatIsNotOneJsonValue() {
        for (String bad : List.of("", "{", "[1,]", "nul", "{\"a\":}")) {
            Class<?> expected = threw(() -> jackson.readValue(bad, Map.class));
            assertNotNull(expected, bad);
            assertNotNull(threw(() -> lean.readValue(bad, Map.class)), "accepted: " + bad);
        }
    }

    private interface Read {
        Object run() throws Exception;
    }

    private static Class<?> threw(Read r) {
        try {
            r.run();
            return null;
        } catch (Exception e) {
            return e.getClass();
        }
    }

    private static List<Tool> ourTools(Path tmp) throws Exception {
        SqliteStore store = SqliteStore.open(tmp.resolve("mesh.db"));
        try {
            Mesh mesh = new Mesh(store, Processes.LOCAL, Clock.systemUTC(), "here", 8000);
            Path project = Files.createDirectories(tmp.resolve("project"));
            List<Tool> tools = new ArrayList<>(new MeshTools(mesh, new AnswerWaits(mesh, ChangeWatch.on(store, 50)),
                    Duration.ofSeconds(110), ProjectIdentity.of(project), new AtomicReference<>("me"), new InFlight())
                    .all().stream().map(t -> t.tool()).toList());
            tools.add(HookTool.tool());
            return tools;
        } finally {
            store.close();
        }
    }
}
