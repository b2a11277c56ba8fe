package dev.claudemesh.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One server process started through its launcher and spoken to in raw JSON-RPC over its stdio, the way
 * Claude Code speaks to it. Every message from the server is stamped with {@link System#nanoTime()} the
 * moment its line is read, before it is parsed, so latencies are measured at arrival and not at whichever
 * thread gets round to looking.
 */
final class McpProcess implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROTOCOL = "2025-06-18";

    /** A message from the server and when its line arrived. */
    record Arrival(JsonNode message, long nanos) {
        JsonNode result() {
            return message.path("result");
        }
    }

    final String label;
    final Process process;
    /** {@link System#nanoTime()} just before the process was started. */
    final long startedNanos;
    private final OutputStream stdin;
    private final Map<Long, CompletableFuture<Arrival>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    /** Requests whose response never came within the time allowed (see {@link #DROP_SECONDS}). */
    final AtomicInteger dropped = new AtomicInteger();
    /** Responses received so far, in time (those that came after their call was counted as dropped are not). */
    final AtomicLong responses = new AtomicLong();
    private final AtomicInteger droppedInARow = new AtomicInteger();
    /** After this many dropped responses in a row the server is taken to have stopped answering altogether. */
    static final int DEAF_AFTER = 3;
    /** Times the server logged that the SDK could not queue an outgoing message ("Failed to enqueue message"). */
    final AtomicInteger enqueueFailures = new AtomicInteger();
    /**
     * How long a quick call may take before its response counts as dropped. The SDK's stdio server transport
     * (mcp-core 2.1.0) gives up on a response it cannot queue within 100 ms, which a CPU-starved server can hit.
     */
    static final long DROP_SECONDS = 10;
    private volatile Consumer<Arrival> notifications = a -> { };
    private volatile boolean ended;

    private McpProcess(String label, Process process, long startedNanos) {
        this.label = label;
        this.process = process;
        this.startedNanos = startedNanos;
        this.stdin = process.getOutputStream();
        Thread out = new Thread(this::readStdout, "bench-stdout-" + label);
        out.setDaemon(true);
        out.start();
        Thread err = new Thread(this::readStderr, "bench-stderr-" + label);
        err.setDaemon(true);
        err.start();
    }

    /** Starts {@code command} with exactly {@code env} added to a cleaned environment (see {@link BenchContext#childEnv}). */
    static McpProcess start(String label, List<String> command, Map<String, String> env, Path workDir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile());
        BenchContext.cleanEnv(pb.environment());
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        return new McpProcess(label, p, t0);
    }

    void onNotification(Consumer<Arrival> consumer) {
        notifications = consumer;
    }

    /** Sends {@code initialize} at once (the server reads it when it is ready) and returns its response. */
    Arrival initialize(long timeoutSeconds) throws Exception {
        Arrival a = await(request("initialize", Map.of("protocolVersion", PROTOCOL, "capabilities", Map.of(),
                "clientInfo", Map.of("name", "claude-mesh-bench", "version", "1"))), timeoutSeconds, "initialize");
        notify("notifications/initialized", null);
        return a;
    }

    CompletableFuture<Arrival> request(String method, Object params) throws IOException {
        long id = ids.incrementAndGet();
        CompletableFuture<Arrival> f = new CompletableFuture<>();
        pending.put(id, f);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jsonrpc", "2.0");
        m.put("id", id);
        m.put("method", method);
        if (params != null) {
            m.put("params", params);
        }
        write(m);
        if (ended) {
            failAll();
        }
        return f;
    }

    void notify(String method, Object params) throws IOException {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("jsonrpc", "2.0");
        m.put("method", method);
        if (params != null) {
            m.put("params", params);
        }
        write(m);
    }

    /** A {@code tools/call}; the future completes with the raw arrival (check it with {@link #structured}). */
    CompletableFuture<Arrival> callAsync(String tool, Map<String, Object> args) throws IOException {
        return request("tools/call", Map.of("name", tool, "arguments", args));
    }

    /** A {@code tools/call} that must succeed: its {@code structuredContent}. */
    JsonNode call(String tool, Map<String, Object> args) throws Exception {
        return structured(await(callAsync(tool, args), 30, tool), tool);
    }

    /** The structured result of a tool call's response, or an exception with the error text. */
    JsonNode structured(Arrival a, String tool) {
        JsonNode m = a.message();
        if (m.has("error")) {
            throw new BenchException(label + ": " + tool + " failed: " + m.get("error"));
        }
        JsonNode r = m.path("result");
        if (r.path("isError").asBoolean(false)) {
            throw new BenchException(label + ": " + tool + " returned an error: " + r.path("content"));
        }
        return r.path("structuredContent");
    }

    Arrival await(CompletableFuture<Arrival> f, long seconds, String what) throws Exception {
        try {
            return f.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new BenchException(label + ": no response to " + what + " within " + seconds + " s" + stderrHint());
        } catch (ExecutionException e) {
            throw new BenchException(label + ": " + what + ": " + e.getCause().getMessage());
        }
    }

    /**
     * The response, or null when none came within {@link #DROP_SECONDS} (counted in {@link #dropped}): for
     * the high-volume loops, which carry on and let their counts show what a dropped response cost.
     */
    Arrival awaitOrDrop(CompletableFuture<Arrival> f) throws Exception {
        try {
            Arrival a = f.get(DROP_SECONDS, TimeUnit.SECONDS);
            answered();
            return a;
        } catch (TimeoutException e) {
            dropped();
            return null;
        } catch (ExecutionException e) {
            throw new BenchException(label + ": " + e.getCause().getMessage());
        }
    }

    /** A response came: the server is answering. */
    void answered() {
        droppedInARow.set(0);
    }

    /** A response did not come within {@link #DROP_SECONDS}; several in a row mean the server stopped answering. */
    void dropped() {
        dropped.incrementAndGet();
        if (droppedInARow.incrementAndGet() >= DEAF_AFTER) {
            throw new StoppedAnswering(label + " stopped answering (" + DEAF_AFTER + " calls in a row got no response within "
                    + DROP_SECONDS + " s; " + dropped.get() + " dropped in all), though its process is "
                    + (process.isAlive() ? "still running" : "gone") + stderrHint());
        }
    }

    long pid() {
        return process.pid();
    }

    private synchronized void write(Map<String, Object> message) throws IOException {
        byte[] line = (JSON.writeValueAsString(message) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            stdin.write(line);
            stdin.flush();
        } catch (IOException e) {
            throw new BenchException(label + ": cannot write to the server (" + e.getMessage() + ")" + stderrHint());
        }
    }

    private void readStdout() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                long now = System.nanoTime();
                JsonNode m;
                try {
                    m = JSON.readTree(line);
                } catch (IOException notJson) {
                    synchronized (stderrTail) {
                        remember("stdout (not JSON-RPC): " + line);
                    }
                    continue;
                }
                Arrival a = new Arrival(m, now);
                if (m.has("id") && (m.has("result") || m.has("error"))) {
                    CompletableFuture<Arrival> f = pending.remove(m.get("id").asLong());
                    // A response to a call already given up on (counted in dropped) is not counted again.
                    if (f != null && f.complete(a)) {
                        responses.incrementAndGet();
                    }
                } else if (m.has("method") && !m.has("id")) {
                    notifications.accept(a);
                } else if (m.has("method") && m.has("id")) {
                    // A request from the server (ping, roots, ...): answer with an empty result so it never waits.
                    Map<String, Object> reply = new LinkedHashMap<>();
                    reply.put("jsonrpc", "2.0");
                    reply.put("id", m.get("id"));
                    reply.put("result", Map.of());
                    try {
                        write(reply);
                    } catch (RuntimeException | IOException ignored) {
                        // the server is going away
                    }
                }
            }
        } catch (IOException ignored) {
            // the process ended
        } finally {
            ended = true;
            failAll();
        }
    }

    private void failAll() {
        for (Long id : List.copyOf(pending.keySet())) {
            CompletableFuture<Arrival> f = pending.remove(id);
            if (f != null) {
                f.completeExceptionally(new BenchException("the server's stdout closed" + stderrHint()));
            }
        }
    }

    private void readStderr() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.contains("Failed to enqueue message")) {
                    enqueueFailures.incrementAndGet();
                }
                synchronized (stderrTail) {
                    remember(line);
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private void remember(String line) {
        stderrTail.addLast(line);
        while (stderrTail.size() > 60) {
            stderrTail.removeFirst();
        }
    }

    String stderrHint() {
        synchronized (stderrTail) {
            List<String> lines = stderrTail.stream().filter(l -> !l.startsWith("\t") && !l.startsWith("    at ")
                    && !l.startsWith("\t...")).toList();
            lines = lines.subList(Math.max(0, lines.size() - 4), lines.size());
            return lines.isEmpty() ? "" : "; its stderr ends: " + String.join(" | ", lines);
        }
    }

    /** Closes stdin, as Claude Code does at the end of a session, and waits for the process tree to exit. */
    @Override
    public void close() {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // already closed
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }
}
