package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.RawServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real server process spoken to as Claude Code 2.1.328 speaks to it at start and while the session is idle
 * (its exact lines: server/discover, initialize, tools/list, then the hooks' calls): every answer is right, and
 * the server never made Jackson databind's ObjectMapper, whose classes every session's server would otherwise
 * load and keep (docs/server-memory.md).
 */
class IdleServerIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;
    RawServer server;

    @BeforeEach
    void start() {
        mesh = new MeshFixture(tmp);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        mesh.close();
    }

    @Test
    void answersClaudeCodesStartAndHookCallsWithoutMakingAnObjectMapper() throws Exception {
        Path classes = tmp.resolve("classes.log");
        Map<String, String> env = mesh.env(mesh.project("idle"));
        env.put("CLAUDE_MESH_JAVA_OPTS", "-Xlog:class+load=info:file=" + classes);
        server = new RawServer(env);
        server.send("{\"jsonrpc\":\"2.0\",\"id\":\"server-discover-probe-1\",\"method\":\"server/discover\",\"params\":{}}");
        server.send("{\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{\"roots\":"
                + "{\"listChanged\":true},\"elicitation\":{\"form\":{},\"url\":{}}},\"clientInfo\":{\"name\":"
                + "\"claude-code\",\"title\":\"Claude Code\",\"version\":\"2.1.328\",\"description\":\"Anthropic's "
                + "agentic coding tool\",\"websiteUrl\":\"https://claude.com/claude-code\"}},\"jsonrpc\":\"2.0\",\"id\":0}");
        JsonNode init = server.response(0, 60);
        assertEquals("claude-mesh", init.path("result").path("serverInfo").path("name").asText(), init.toString());
        assertEquals("2025-11-25", init.path("result").path("protocolVersion").asText(), init.toString());
        assertTrue(init.path("result").path("instructions").asText().contains("list_peers"), init.toString());
        JsonNode discover = server.response("server-discover-probe-1", 30);
        assertTrue(discover.path("error").path("message").isTextual(), discover.toString()); // not a method we have
        server.send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        server.send("{\"method\":\"tools/list\",\"jsonrpc\":\"2.0\",\"id\":1}");
        JsonNode list = server.response(1, 30);
        List<String> names = StreamSupport.stream(list.path("result").path("tools").spliterator(), false)
                .map(t -> t.path("name").asText()).collect(Collectors.toList());
        assertTrue(names.containsAll(List.of("hook_delivery", "ask_peer", "list_peers", "claim_files")), names.toString());
        for (JsonNode t : list.path("result").path("tools")) {
            assertEquals("object", t.path("inputSchema").path("type").asText(), t.toString());
        }
        Path transcript = Files.writeString(tmp.resolve("t.jsonl"), "");
        for (String event : List.of("UserPromptSubmit", "PostToolUse", "Stop")) {
            JsonNode r = server.call("hook_delivery", Map.of("hook_event_name", event, "session_id", "s-1",
                    "transcript_path", transcript.toString(), "stop_hook_active", "false"), 30);
            assertFalse(r.path("isError").asBoolean(), r.toString());
        }
        server.send("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}");
        assertTrue(server.response("p", 30).path("result").isObject());

        String loaded = Files.readString(classes);
        assertTrue(loaded.contains("dev.claudemesh.mcp.LeanJson "), "the log names the server's classes");
        assertFalse(loaded.contains("com.fasterxml.jackson.databind.ObjectMapper "),
                "an idle server made Jackson's ObjectMapper after all");

        // A real tool call after that still works, whatever it needs.
        JsonNode peers = server.call("list_peers", Map.of(), 30);
        assertFalse(peers.path("isError").asBoolean(), peers.toString());
        assertTrue(peers.path("structuredContent").toString().contains("idle"), peers.toString());
        for (String line : server.stdoutLines) {
            MeshFixture.JSON.readTree(line); // stdout is JSON-RPC only
        }
    }
}
