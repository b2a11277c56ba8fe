package dev.claudemesh.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A stand-in for the Anthropic Messages API on loopback, for one Claude Code session: {@code POST
 * /v1/messages} (streamed as server-sent events, or plain JSON when the request does not ask for a stream) and
 * {@code POST /v1/messages/count_tokens}. Every request is kept, in order, as the proof of what the model was
 * shown; the {@link Model} decides each answer.
 */
public final class ModelApi implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Model model;
    private final List<ApiRequest> requests = new ArrayList<>();
    private final Map<ApiRequest, Long> repliedAt = new java.util.IdentityHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();

    public ModelApi(Model model) throws IOException {
        this.model = model;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "model-api");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** What to put in {@code ANTHROPIC_BASE_URL}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Every Messages request so far, oldest first. */
    public synchronized List<ApiRequest> requests() {
        return List.copyOf(requests);
    }

    /** When the answer to {@code r} was sent ({@link System#nanoTime()}), or 0 before it was. */
    public synchronized long repliedAt(ApiRequest r) {
        return repliedAt.getOrDefault(r, 0L);
    }

    /** The main-loop requests (those that offer the session's tools), oldest first. */
    public List<ApiRequest> turns() {
        return requests().stream().filter(ApiRequest::mainLoop).toList();
    }

    /**
     * Waits until some main-loop request (one that offers the session's tools; side requests such as a title
     * also quote the conversation) satisfies {@code test}, and returns the first that does.
     */
    public ApiRequest await(Predicate<ApiRequest> test, Duration timeout, String what) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (true) {
                for (ApiRequest r : requests) {
                    if (r.mainLoop() && test.test(r)) {
                        return r;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("no model request " + what + " within " + timeout.toSeconds() + " s; "
                            + requests.size() + " requests seen");
                }
                wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!"POST".equals(ex.getRequestMethod())) {
                send(ex, "HEAD".equals(ex.getRequestMethod()) ? 200 : 404, "application/json", "{}");
                return;
            }
            byte[] raw = ex.getRequestBody().readAllBytes();
            JsonNode body = raw.length == 0 ? JSON.createObjectNode() : JSON.readTree(raw);
            if (path.endsWith("/count_tokens")) {
                send(ex, 200, "application/json", "{\"input_tokens\": 12}");
                return;
            }
            if (!path.endsWith("/v1/messages")) {
                send(ex, 404, "application/json", "{\"type\":\"error\",\"error\":{\"type\":\"not_found_error\",\"message\":\"not here\"}}");
                return;
            }
            ApiRequest request = new ApiRequest(System.nanoTime(), System.currentTimeMillis(), body,
                    ex.getRequestHeaders().getFirst("X-Claude-Code-Session-Id"));
            synchronized (this) {
                requests.add(request);
                notifyAll();
            }
            Reply reply;
            try {
                reply = request.mainLoop() ? model.respond(request) : Reply.say("ok");
            } catch (RuntimeException e) {
                reply = Reply.say("model script failed: " + e);
            }
            if (!reply.delay().isZero() && !reply.delay().isNegative()) {
                Thread.sleep(reply.delay().toMillis());
            }
            String id = "msg_" + ids.incrementAndGet();
            if (body.path("stream").asBoolean(false)) {
                stream(ex, id, body.path("model").asText("claude"), reply);
            } else {
                send(ex, 200, "application/json", JSON.writeValueAsString(message(id, body.path("model").asText("claude"), reply)));
            }
            synchronized (this) {
                repliedAt.put(request, System.nanoTime());
                notifyAll();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException | RuntimeException e) {
            // the session went away mid-answer; nothing to tell anyone
        }
    }

    private ObjectNode message(String id, String modelName, Reply reply) {
        ObjectNode m = JSON.createObjectNode();
        m.put("id", id).put("type", "message").put("role", "assistant").put("model", modelName);
        ArrayNode content = m.putArray("content");
        for (Reply.Block b : reply.blocks()) {
            content.add(b.json(ids));
        }
        m.put("stop_reason", reply.stopReason());
        m.putNull("stop_sequence");
        m.putObject("usage").put("input_tokens", 12).put("output_tokens", 3);
        return m;
    }

    private void stream(HttpExchange ex, String id, String modelName, Reply reply) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream out = ex.getResponseBody();
        ObjectNode start = JSON.createObjectNode().put("type", "message_start");
        ObjectNode msg = start.putObject("message");
        msg.put("id", id).put("type", "message").put("role", "assistant").put("model", modelName);
        msg.putArray("content");
        msg.putNull("stop_reason");
        msg.putNull("stop_sequence");
        msg.putObject("usage").put("input_tokens", 12).put("output_tokens", 1);
        event(out, "message_start", start);
        int index = 0;
        for (Reply.Block b : reply.blocks()) {
            ObjectNode block = b.json(ids);
            ObjectNode opening = block.deepCopy();
            ObjectNode delta = JSON.createObjectNode();
            if ("text".equals(b.type())) {
                opening.put("text", "");
                delta.put("type", "text_delta").put("text", b.text());
            } else {
                opening.putObject("input");
                delta.put("type", "input_json_delta").put("partial_json", JSON.writeValueAsString(block.get("input")));
            }
            event(out, "content_block_start", JSON.createObjectNode().put("type", "content_block_start").put("index", index)
                    .set("content_block", opening));
            event(out, "content_block_delta", JSON.createObjectNode().put("type", "content_block_delta").put("index", index)
                    .set("delta", delta));
            event(out, "content_block_stop", JSON.createObjectNode().put("type", "content_block_stop").put("index", index));
            index++;
        }
        ObjectNode end = JSON.createObjectNode().put("type", "message_delta");
        end.putObject("delta").put("stop_reason", reply.stopReason()).putNull("stop_sequence");
        end.putObject("usage").put("output_tokens", 3);
        event(out, "message_delta", end);
        event(out, "message_stop", JSON.createObjectNode().put("type", "message_stop"));
        out.close();
    }

    private static void event(OutputStream out, String name, JsonNode data) throws IOException {
        out.write(("event: " + name + "\ndata: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void send(HttpExchange ex, int status, String type, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** Decides the model's answer to one main-loop request. Called on the server's threads, one request at a time per session in practice. */
    @FunctionalInterface
    public interface Model {
        Reply respond(ApiRequest request);
    }

    static Map<String, Object> map(Object... kv) {
        java.util.LinkedHashMap<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
