package dev.claudemesh.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.claudemesh.install.Installation;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Shows the mesh working: two real server processes on a temporary database, driven over stdio by the MCP
 * SDK's client exactly as Claude Code would drive them, hold one question and answer.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start two real MCP servers on a temporary mesh and show an ask/reply between them.")
final class DemoCommand implements Callable<Integer> {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() throws Exception {
        Path tmp = Files.createTempDirectory("claude-mesh-demo");
        Path db = tmp.resolve("mesh.db");
        Path frontendDir = Files.createDirectories(tmp.resolve("frontend"));
        Path backendDir = Files.createDirectories(tmp.resolve("backend"));
        List<McpSyncClient> clients = new ArrayList<>();
        try {
            say("claude-mesh demo: two real MCP servers share the temporary mesh " + db);
            McpSyncClient frontend = start(db, frontendDir, clients);
            McpSyncClient backend = start(db, backendDir, clients);
            say("started servers 'frontend' and 'backend' (each a separate JVM, as each Claude Code session starts its own)");

            CallToolResult peers = frontend.callTool(call("list_peers", Map.of()));
            say("[frontend] list_peers        -> " + json(peers.structuredContent()));

            String question = "Which port does the API listen on in dev?";
            say("[frontend] ask_peer backend  -> \"" + question + "\" (waits for backend to reply)");
            long askedAt = System.nanoTime();
            CompletableFuture<CallToolResult> answer = CompletableFuture.supplyAsync(() ->
                    frontend.callTool(call("ask_peer", Map.of("to", "backend", "question", question))));

            Map<?, ?> item = waitForQuestion(backend);
            say("[backend]  poll_inbox        -> " + item.get("kind") + " " + item.get("id") + " from " + item.get("from")
                    + ": \"" + item.get("body") + "\"");
            CallToolResult delivered = backend.callTool(call("reply_to_peer",
                    Map.of("question_id", item.get("id"), "answer", "8080; the Vite dev server proxies /api to it.")));
            long repliedAt = System.nanoTime();
            say("[backend]  reply_to_peer     -> " + json(delivered.structuredContent()));

            CallToolResult result = answer.get();
            long returnedAt = System.nanoTime();
            if (Boolean.TRUE.equals(result.isError())) {
                say("ask_peer failed: " + text(result));
                return 1;
            }
            Map<?, ?> s = (Map<?, ?>) result.structuredContent();
            say("[frontend] ask_peer returned -> status=" + s.get("status") + " from=" + s.get("from")
                    + " answer=\"" + s.get("answer") + "\"");
            say(String.format("reply seen by the asking server %.1f ms after reply_to_peer returned (%.0f ms for the whole exchange)",
                    (returnedAt - repliedAt) / 1e6, (returnedAt - askedAt) / 1e6));
            return "answered".equals(s.get("status")) ? 0 : 1;
        } finally {
            clients.forEach(McpSyncClient::closeGracefully);
            deleteTree(tmp);
        }
    }

    private static McpSyncClient start(Path db, Path project, List<McpSyncClient> clients) {
        List<String> cmd = Installation.serverCommand();
        ServerParameters params = ServerParameters.builder(cmd.get(0)).args(cmd.subList(1, cmd.size()))
                // Always the temporary file: a MESH_DB_URL in the environment must not pull the demo into a shared mesh.
                .env(Map.of("MESH_DB_PATH", db.toString(), "MESH_DB_URL", "", "CLAUDE_PROJECT_DIR", project.toString()))
                .build();
        var transport = new StdioClientTransport(params, new JacksonMcpJsonMapper(new ObjectMapper()));
        transport.setStdErrorHandler(line -> { });
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofSeconds(30)).build();
        clients.add(client);
        client.initialize();
        return client;
    }

    private static Map<?, ?> waitForQuestion(McpSyncClient backend) throws InterruptedException {
        for (int i = 0; i < 400; i++) {
            CallToolResult r = backend.callTool(call("poll_inbox", Map.of()));
            List<?> items = (List<?>) ((Map<?, ?>) r.structuredContent()).get("items");
            if (!items.isEmpty()) {
                return (Map<?, ?>) items.get(0);
            }
            Thread.sleep(25);
        }
        throw new IllegalStateException("the question never reached backend's inbox");
    }

    private static String text(CallToolResult r) {
        return r.content().stream().filter(c -> c instanceof TextContent).map(c -> ((TextContent) c).text())
                .findFirst().orElse("");
    }

    /** A tool's structured result as the JSON it travelled as, not Java's toString of a map. */
    private static String json(Object structured) throws IOException {
        return JSON.writeValueAsString(structured);
    }

    private static void say(String line) {
        System.out.println(line);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }

    private static CallToolRequest call(String tool, Map<String, Object> arguments) {
        return CallToolRequest.builder(tool).arguments(arguments).build();
    }
}
