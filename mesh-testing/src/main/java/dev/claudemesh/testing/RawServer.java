package dev.claudemesh.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server process spoken to line by line, for what an SDK client hides: cancellation, closing stdin,
 * and checking that every byte on stdout is JSON-RPC.
 */
public final class RawServer implements AutoCloseable {
    public final Process process;
    private final OutputStream stdin;
    private final BlockingQueue<JsonNode> messages = new LinkedBlockingQueue<>();
    /** Responses awaited by id; the reader completes them, so many threads can call at once. */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.CompletableFuture<JsonNode>> pending =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong nextId = new java.util.concurrent.atomic.AtomicLong(1_000_000);
    public final List<String> stdoutLines = new CopyOnWriteArrayList<>();
    public final List<String> stderrLines = new CopyOnWriteArrayList<>();

    public RawServer(Map<String, String> env) throws IOException {
        this(List.of(MeshFixture.bin("claude-mesh-server").toString()), env);
    }

    /** A server started by {@code command} (for example a wrapper standing in for Claude Code). */
    public RawServer(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove("CLAUDE_MESH_PROJECT_PATH");
        pb.environment().remove("MESH_DB_URL");
        pb.environment().putAll(env);
        process = pb.start();
        stdin = process.getOutputStream();
        Thread out = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    stdoutLines.add(line);
                    try {
                        JsonNode m = MeshFixture.JSON.readTree(line);
                        // Completed here, removed by the waiter: a response may arrive before anyone waits for it.
                        var waiter = m.has("id") && (m.has("result") || m.has("error")) ? pending.get(m.get("id").asText()) : null;
                        if (waiter != null) {
                            waiter.complete(m);
                        } else {
                            messages.add(m);
                        }
                    } catch (IOException notJson) {
                        // kept in stdoutLines; tests that care check every line
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        out.setDaemon(true);
        out.start();
        Thread err = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    stderrLines.add(line);
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        err.setDaemon(true);
        err.start();
    }

    public static RawServer started(Map<String, String> env) throws Exception {
        return initialized(new RawServer(env));
    }

    public JsonNode initializeResult;

    /** Completes the MCP handshake and keeps the initialize result. */
    public static RawServer initialized(RawServer s) throws Exception {
        s.send("{\"jsonrpc\":\"2.0\",\"id\":\"init\",\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw-test\",\"version\":\"1\"}}}");
        s.initializeResult = s.response("init", 60).path("result");
        s.send("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
        return s;
    }

    public synchronized void send(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    public void callTool(Object id, String tool, Map<String, Object> args) throws IOException {
        pending.put(String.valueOf(id), new java.util.concurrent.CompletableFuture<>());
        send(MeshFixture.JSON.writeValueAsString(Map.of("jsonrpc", "2.0", "id", id, "method", "tools/call",
                "params", Map.of("name", tool, "arguments", args))));
    }

    /** Calls a tool and waits for its result ({@code result} of the response); safe from many threads at once. */
    public JsonNode call(String tool, Map<String, Object> args, int seconds) throws Exception {
        long id = nextId.incrementAndGet();
        callTool(id, tool, args);
        JsonNode r = response(id, seconds);
        if (r.has("error")) {
            throw new AssertionError(tool + " got a JSON-RPC error: " + r);
        }
        return r.path("result");
    }

    /** The response with this id, waiting up to {@code seconds}. */
    public JsonNode response(Object id, int seconds) throws InterruptedException {
        var waiter = pending.get(String.valueOf(id));
        if (waiter != null) {
            try {
                JsonNode r = waiter.get(seconds, TimeUnit.SECONDS);
                pending.remove(String.valueOf(id));
                return r;
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                pending.remove(String.valueOf(id));
                throw new AssertionError("no response to " + id + " within " + seconds + " s; stderr: " + stderrLines);
            }
        }
        return responseFromQueue(id, seconds);
    }

    private JsonNode responseFromQueue(Object id, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<JsonNode> others = new java.util.ArrayList<>();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                JsonNode m = left > 0 ? messages.poll(left, TimeUnit.NANOSECONDS) : null;
                if (m == null) {
                    throw new AssertionError("no response to " + id + " within " + seconds + " s; stderr: " + stderrLines);
                }
                if (m.has("id") && m.get("id").asText().equals(String.valueOf(id)) && (m.has("result") || m.has("error"))) {
                    return m;
                }
                others.add(m);
            }
        } finally {
            messages.addAll(others);
        }
    }

    /** Notifications with this method received so far (taken out of the queue). */
    public List<JsonNode> notifications(String method) {
        List<JsonNode> found = new java.util.ArrayList<>();
        List<JsonNode> keep = new java.util.ArrayList<>();
        JsonNode m;
        while ((m = messages.poll()) != null) {
            (method.equals(m.path("method").asText()) && !m.has("id") ? found : keep).add(m);
        }
        messages.addAll(keep);
        return found;
    }

    public void closeStdin() throws IOException {
        stdin.close();
    }


    @Override
    public void close() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }
}
