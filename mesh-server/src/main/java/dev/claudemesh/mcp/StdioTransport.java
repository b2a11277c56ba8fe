package dev.claudemesh.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpServerSession;
import io.modelcontextprotocol.spec.McpServerTransport;
import io.modelcontextprotocol.spec.McpServerTransportProvider;
import reactor.core.publisher.Mono;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The server's stdio transport: one JSON-RPC message per line in, one per line out.
 *
 * <p>We use this instead of the SDK's {@code StdioServerTransportProvider} (2.1.0), which hands outgoing
 * messages to a Reactor sink that accepts one producer at a time: when two tool calls finish at the same
 * moment on different threads, one response is dropped ("Failed to enqueue message", java-sdk issues
 * #304 and #686) and its caller waits for ever. Here every message is written whole under one lock
 * ({@link RpcOut}), so concurrent responses, progress and channel notifications simply take turns. The input
 * side reads bounded lines ({@link LineReader}), answers what is not a JSON-RPC message with the error JSON-RPC
 * names ({@link RequestTap}) and keeps going, and reports the end of input instead of closing the session, so
 * responses to calls already read still go out.
 */
final class StdioTransport implements McpServerTransportProvider {
    private static final Logger LOG = LoggerFactory.getLogger(StdioTransport.class);
    private final McpJsonMapper json;
    private final InputStream in;
    private final RequestTap tap;
    private final RpcOut out;
    private final Runnable onEndOfInput;
    private volatile McpServerSession session;

    StdioTransport(McpJsonMapper json, InputStream in, RequestTap tap, RpcOut out, Runnable onEndOfInput) {
        this.json = json;
        this.in = in;
        this.tap = tap;
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
        try {
            LineReader lines = new LineReader(in);
            LineReader.Line line;
            while ((line = lines.next()) != null) {
                RequestTap.Verdict v = line.tooLong() ? tap.tooLong(line) : tap.inspect(line.bytes());
                if (v.reply() != null) {
                    out.line(v.reply());
                }
                if (v.forward() == null) {
                    continue;
                }
                McpSchema.JSONRPCMessage message;
                try {
                    message = McpSchema.deserializeJsonRpcMessage(json, new String(v.forward(), StandardCharsets.UTF_8));
                } catch (IOException | RuntimeException e) {
                    LOG.warn("refused an input line the MCP SDK cannot read: {}", e.getMessage());
                    if (v.id() != null) {
                        out.line(out.error(v.id(), RpcOut.INVALID_REQUEST, "Invalid Request: the message does not have "
                                + "the shape of a JSON-RPC request, notification or response."));
                    }
                    continue;
                }
                session.handle(message).subscribe(x -> { }, e -> LOG.warn("handling a message failed: {}", e.toString()));
            }
        } catch (java.nio.channels.ClosedChannelException e) {
            // closed on purpose: the server is stopping on a signal
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("reading stdin failed: {}", e.getMessage());
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
            return Mono.fromRunnable(() -> {
                try {
                    out.line(json.writeValueAsBytes(message));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
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
