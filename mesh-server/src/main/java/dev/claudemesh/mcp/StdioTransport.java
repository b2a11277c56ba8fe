package dev.claudemesh.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import reactor.core.publisher.Mono;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The server's stdio transport: one JSON-RPC message per line in, one per line out.
 *
 * <p>We use this instead of the SDK's {@code StdioServerTransportProvider} (2.1.0), which hands outgoing
 * messages to a Reactor sink that accepts one producer at a time: when two tool calls finish at the same
 * moment on different threads, one response is dropped ("Failed to enqueue message", java-sdk issues
 * #304 and #686) and its caller waits for ever. Here every message is written whole under one lock and
 * flushed, so concurrent responses, progress and channel notifications simply take turns. The input side
 * keeps going past a line it cannot parse, and reports the end of input instead of closing the session,
 * so responses to calls already read still go out.
 */
final class StdioTransport implements McpServerTransportProvider {
    private final McpJsonMapper json;
    private final InputStream in;
    private final OutputStream out;
    private final Runnable onEndOfInput;
    private final Object writeLock = new Object();
    private volatile McpServerSession session;

    StdioTransport(McpJsonMapper json, InputStream in, OutputStream out, Runnable onEndOfInput) {
        this.json = json;
        this.in = in;
        this.out = out;
        this.onEndOfInput = onEndOfInput;
    }

    @Override
    public void setSessionFactory(McpServerSession.Factory factory) {
        session = factory.create(new LineTransport());
        Thread reader = new Thread(this::readLoop, "mesh-stdin");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                McpSchema.JSONRPCMessage message;
                try {
                    message = McpSchema.deserializeJsonRpcMessage(json, line);
                } catch (IOException | RuntimeException e) {
                    System.err.println("claude-mesh-server: ignored an input line that is not a JSON-RPC message");
                    continue;
                }
                session.handle(message).subscribe(v -> { }, e ->
                        System.err.println("claude-mesh-server: handling a message failed: " + e));
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // closed on purpose: the server is stopping on a signal
        } catch (IOException e) {
            System.err.println("claude-mesh-server: reading stdin failed: " + e.getMessage());
        } finally {
            onEndOfInput.run();
        }
    }

    @Override
    public Mono<Void> notifyClients(String method, Object params) {
        McpServerSession s = session;
        return s == null ? Mono.error(new IllegalStateException("no client yet")) : s.sendNotification(method, params);
    }

    @Override
    public Mono<Void> closeGracefully() {
        McpServerSession s = session;
        return s == null ? Mono.empty() : s.closeGracefully();
    }

    /** The session's view of the transport: writes go out whole, one at a time. */
    private final class LineTransport implements McpServerTransport {
        @Override
        public Mono<Void> sendMessage(McpSchema.JSONRPCMessage message) {
            return Mono.fromRunnable(() -> write(message));
        }

        private void write(McpSchema.JSONRPCMessage message) {
            try {
                byte[] bytes = json.writeValueAsBytes(message);
                // One write per message: stdout is unbuffered, and the line's end sent on its own would cost a
                // second system call here and a second wake-up of the client reading it.
                byte[] line = java.util.Arrays.copyOf(bytes, bytes.length + 1);
                line[bytes.length] = '\n';
                synchronized (writeLock) {
                    out.write(line);
                    out.flush();
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public <T> T unmarshalFrom(Object data, TypeRef<T> type) {
            return json.convertValue(data, type);
        }

        @Override
        public Mono<Void> closeGracefully() {
            return Mono.empty();
        }
    }
}
