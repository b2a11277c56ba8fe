package dev.claudemesh.mcp;

import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import org.slf4j.LoggerFactory;

import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code claude mcp list}, {@code claude mcp get} and {@code claude doctor} start every configured server to
 * see that it answers, then stop it. Such a server is not a session: joining the mesh would list the current
 * directory as a peer and could take the project's name from a session starting at the same moment. So when
 * the Claude Code process that started us is one of those commands, we answer the handshake and nothing else.
 */
final class HealthCheck {
    private HealthCheck() {
    }

    /** Whether our parent's arguments are those of a Claude Code command that only checks servers. */
    static boolean startedBy(Optional<List<String>> parentArgs) {
        if (parentArgs.isEmpty() || parentArgs.get().isEmpty()) {
            return false;
        }
        String command = parentArgs.get().get(0);
        return command.equals("mcp") || command.equals("doctor");
    }

    /** Serves the MCP handshake, with no tools, until stdin closes. */
    static int serve(OutputStream rpcOut, String version) {
        CountDownLatch stdinClosed = new CountDownLatch(1);
        RpcOut out = new RpcOut(rpcOut);
        RequestTap tap = new RequestTap(out, id -> { }, () -> { });
        LeanMcpJsonMapper mapper = new LeanMcpJsonMapper();
        var transport = new StdioTransport(mapper, System.in, tap, out, stdinClosed::countDown);
        McpSyncServer server = McpServer.sync(transport)
                .jsonMapper(mapper)
                .serverInfo("claude-mesh", version)
                .instructions("This claude-mesh server was started by a Claude Code health check and is not in the mesh.")
                .capabilities(ServerCapabilities.builder().tools(false).build())
                .build();
        LoggerFactory.getLogger(HealthCheck.class).info("started by a Claude Code health check; answering it without joining the mesh");
        try {
            stdinClosed.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.closeGracefully();
        return 0;
    }
}
