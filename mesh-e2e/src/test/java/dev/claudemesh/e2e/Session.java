package dev.claudemesh.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * One real Claude Code session in a {@link Sandbox}, with a stand-in model API of its own (so every request
 * it logs is this session's). Three ways to run it, as users do:
 * <ul>
 *   <li>{@link #print}: {@code claude -p PROMPT}, one turn, to completion;</li>
 *   <li>{@link #streaming}: {@code claude -p --input-format stream-json}, a session that is online before its
 *       first prompt and takes prompts one by one on stdin;</li>
 *   <li>{@link #interactive}: the terminal UI in tmux, for what only interactive mode does (asyncRewake,
 *       channels, {@code /clear}).</li>
 * </ul>
 */
public final class Session implements AutoCloseable {
    public final String name;
    public final Path project;
    public final ModelApi api;
    public final UUID id = UUID.randomUUID();
    public final Path debugLog;
    private final Sandbox sandbox;
    private final List<String> extraArgs;
    private final Map<String, String> extraEnv;
    private Process process;
    private OutputStream stdin;
    private final List<JsonNode> events = new ArrayList<>();
    private final StringBuilder stderr = new StringBuilder();
    private String tmuxSession;

    private Session(Sandbox sandbox, Path project, ModelApi.Model model, List<String> extraArgs, Map<String, String> extraEnv)
            throws IOException {
        this.sandbox = sandbox;
        this.project = project;
        this.name = sandbox.nextName(project.getFileName().toString());
        this.api = new ModelApi(model);
        this.extraArgs = extraArgs;
        this.extraEnv = extraEnv;
        this.debugLog = Files.createDirectories(sandbox.root.resolve("logs")).resolve(name + ".debug.log");
        sandbox.track(this);
    }

    /** Options for a session before it starts. */
    public static final class Options {
        private final Sandbox sandbox;
        private final Path project;
        private final ModelApi.Model model;
        private final List<String> args = new ArrayList<>();
        private final Map<String, String> env = new LinkedHashMap<>();

        private Options(Sandbox sandbox, Path project, ModelApi.Model model) {
            this.sandbox = sandbox;
            this.project = project;
            this.model = model;
        }

        /** More command-line arguments for {@code claude}. */
        public Options args(String... more) {
            args.addAll(List.of(more));
            return this;
        }

        /** One more environment variable for {@code claude} (and so for its MCP servers and hooks). */
        public Options env(String key, String value) {
            env.put(key, value);
            return this;
        }

        /**
         * Started with {@code --dangerously-load-development-channels server:claude-mesh}. With {@code accepted}
         * the session's Claude Code also accepts channel events, as one with a login that allows channels does:
         * the stand-in has no such login, so the sandbox's cached feature flags say channels are on (which
         * Claude Code reads only while its feature-flag client runs, hence non-essential traffic on; the network
         * is closed anyway). Without, Claude Code says "Channels are not currently available" and drops every
         * event, as it does for API-key, Bedrock and Vertex users.
         */
        public Options channels(boolean accepted) throws IOException {
            args("--dangerously-load-development-channels", "server:claude-mesh");
            if (accepted) {
                sandbox.cacheFeatureFlag("tengu_harbor", true);
                env.put("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "");
                env.put("DISABLE_TELEMETRY", "");
            }
            return this;
        }

        public Session build() throws IOException {
            return new Session(sandbox, project, model, List.copyOf(args), Map.copyOf(env));
        }

        /** {@code claude -p PROMPT}: runs one turn to the end and returns the session, finished. */
        public Session print(String prompt) throws IOException, InterruptedException, TimeoutException {
            return build().runPrint(prompt, Duration.ofSeconds(180));
        }

        /** As {@link #print}, on another thread: for a session that blocks (asking) while the test goes on. */
        public java.util.concurrent.CompletableFuture<Session> printInBackground(String prompt) throws IOException {
            Session s = build();
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return s.runPrint(prompt, Duration.ofSeconds(300));
                } catch (Exception e) {
                    throw new IllegalStateException("session " + s.name + " failed: " + e + "\nstderr:\n" + s.stderr(), e);
                }
            });
        }

        public Session streaming() throws IOException {
            return build().startStreaming();
        }

        public Session interactive() throws IOException, InterruptedException, TimeoutException {
            return build().startInteractive();
        }
    }

    public static Options in(Sandbox sandbox, Path project, ModelApi.Model model) {
        return new Options(sandbox, project, model);
    }

    private List<String> command(List<String> modeArgs) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ClaudeCode.requireInstalled().toString());
        cmd.addAll(modeArgs);
        cmd.addAll(List.of("--session-id", id.toString(), "--debug-file", debugLog.toString(),
                "--permission-mode", "default", "--allowedTools", "mcp__claude-mesh", Script.PLUGIN_MESH));
        cmd.addAll(extraArgs);
        return cmd;
    }

    private Map<String, String> environment() {
        Map<String, String> env = new LinkedHashMap<>(sandbox.environment(api.baseUrl()));
        extraEnv.forEach((k, v) -> {
            if (v.isEmpty()) {
                env.remove(k);
            } else {
                env.put(k, v);
            }
        });
        return env;
    }

    private Process start(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile());
        pb.environment().clear();
        pb.environment().putAll(environment());
        Process p = pb.start();
        Thread err = new Thread(() -> drain(p.getErrorStream(), stderr), "claude-stderr-" + name);
        err.setDaemon(true);
        err.start();
        return p;
    }

    private static void drain(java.io.InputStream in, StringBuilder into) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                synchronized (into) {
                    into.append(line).append('\n');
                }
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    // ------------------------------------------------------------------ claude -p

    private Session runPrint(String prompt, Duration timeout) throws IOException, InterruptedException, TimeoutException {
        process = start(command(List.of("-p", prompt, "--output-format", "stream-json", "--verbose")));
        process.getOutputStream().close();
        readEvents(process);
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new TimeoutException("claude -p in " + project + " did not finish within " + timeout.toSeconds() + " s");
        }
        return this;
    }

    /** How the session's {@code claude} process ended (print mode), after it ended. */
    public int exitCode() {
        return process.exitValue();
    }

    // ------------------------------------------------------------------ stream-json

    private Session startStreaming() throws IOException {
        process = start(command(List.of("-p", "--input-format", "stream-json", "--output-format", "stream-json", "--verbose")));
        stdin = process.getOutputStream();
        Thread out = new Thread(() -> {
            try {
                readEvents(process);
            } catch (IOException ignored) {
                // ended
            }
        }, "claude-stdout-" + name);
        out.setDaemon(true);
        out.start();
        return this;
    }

    private void readEvents(Process p) throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode event;
                try {
                    event = ModelApi.JSON.readTree(line);
                } catch (IOException notJson) {
                    event = ModelApi.JSON.createObjectNode().put("type", "unparsed").put("line", line);
                }
                synchronized (events) {
                    events.add(event);
                    events.notifyAll();
                }
            }
        }
    }

    /** Sends one prompt to a streaming session. */
    public void send(String prompt) throws IOException {
        ObjectNode msg = ModelApi.JSON.createObjectNode().put("type", "user");
        ObjectNode message = msg.putObject("message").put("role", "user");
        message.putArray("content").addObject().put("type", "text").put("text", prompt);
        stdin.write((ModelApi.JSON.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8));
        stdin.flush();
    }

    /** Waits for the {@code n}th turn result of a streaming (or print) session, counting from 1. */
    public JsonNode awaitResult(int n, Duration timeout) throws InterruptedException, TimeoutException {
        return awaitEvent(e -> "result".equals(e.path("type").asText()), n, timeout);
    }

    /** Waits for the {@code n}th output event matching {@code test}. */
    public JsonNode awaitEvent(Predicate<JsonNode> test, int n, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (events) {
            while (true) {
                int seen = 0;
                for (JsonNode e : events) {
                    if (test.test(e) && ++seen == n) {
                        return e;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("session " + name + ": event " + n + " not seen within " + timeout.toSeconds()
                            + " s; stderr:\n" + stderr());
                }
                events.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    public List<JsonNode> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** Ends a streaming session the way an SDK host does: closes its input and waits for it to exit. */
    public int endStreaming(Duration timeout) throws IOException, InterruptedException {
        stdin.close();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    // ------------------------------------------------------------------ interactive, in tmux

    private Session startInteractive() throws IOException, InterruptedException, TimeoutException {
        requireTmux();
        tmuxSession = name;
        Path script = sandbox.root.resolve("logs").resolve(name + ".sh");
        StringBuilder sh = new StringBuilder("#!/bin/sh\ncd ").append(quote(project.toString())).append(" || exit 1\nexec env -i");
        environment().forEach((k, v) -> sh.append(' ').append(k).append('=').append(quote(v)));
        for (String a : command(List.of())) {
            sh.append(' ').append(quote(a));
        }
        sh.append('\n');
        Files.writeString(script, sh.toString());
        script.toFile().setExecutable(true);
        tmux("new-session", "-d", "-s", tmuxSession, "-x", "200", "-y", "50", script.toString());
        tmux("set-option", "-t", tmuxSession, "remain-on-exit", "on");
        awaitScreen(s -> {
            if (s.contains("I am using this for local development")) {
                try {
                    tmux("send-keys", "-t", tmuxSession, "Enter");
                } catch (IOException | InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return false;
            }
            return s.contains("? for shortcuts") || s.contains("for shortcuts");
        }, Duration.ofSeconds(60), "the prompt");
        awaitDebug(l -> l.contains("MCP server \"claude-mesh\": Successfully connected") || l.contains("MCP server \"claude-mesh\": Connection failed"),
                Duration.ofSeconds(60), "claude-mesh's server to connect");
        return this;
    }

    /** Kills the session's Claude Code process at once (SIGKILL: no SessionEnd, nothing flushed), as a crash does. */
    public void kill() throws IOException, InterruptedException {
        long pid = tmuxSession != null ? Long.parseLong(tmux("display-message", "-p", "-t", tmuxSession, "#{pane_pid}").strip())
                : process.pid();
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        awaitDead(pid, Duration.ofSeconds(30));
        Thread.sleep(500); // its server sees its stdin close and leaves
    }

    /**
     * Until {@code pid} has died: gone, or a zombie its parent has not reaped yet. (tmux, the parent of an
     * interactive session, has been seen to leave one unreaped for minutes, and {@code ProcessHandle.onExit} of a
     * process that is not our child counts a zombie as alive.)
     */
    private static void awaitDead(long pid, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        while (System.nanoTime() < deadline) {
            String state;
            try {
                String line = Files.readString(stat);
                state = line.substring(line.lastIndexOf(')') + 2, line.lastIndexOf(')') + 3);
            } catch (IOException | RuntimeException gone) {
                return;
            }
            if (state.equals("Z") || state.equals("X")) {
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("process " + pid + " still runs " + timeout.toSeconds() + " s after SIGKILL");
    }

    /** Types {@code text} at the interactive prompt and submits it. */
    public void type(String text) throws IOException, InterruptedException {
        tmux("send-keys", "-t", tmuxSession, "-l", text);
        Thread.sleep(150); // let the input box take the paste before Enter
        tmux("send-keys", "-t", tmuxSession, "Enter");
    }

    /** What the terminal shows now. */
    public String screen() throws IOException, InterruptedException {
        return tmux("capture-pane", "-p", "-t", tmuxSession, "-S", "-200");
    }

    public String awaitScreen(Predicate<String> test, Duration timeout, String what) throws IOException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String s = "";
        while (System.nanoTime() < deadline) {
            s = screen();
            if (test.test(s)) {
                return s;
            }
            Thread.sleep(200);
        }
        throw new TimeoutException("session " + name + ": " + what + " not on screen within " + timeout.toSeconds() + " s:\n" + s);
    }

    /** Ends an interactive session as a person does ({@code /exit}), and waits for Claude Code to exit. */
    public void exit(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        type("/exit");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String dead = tmux("display-message", "-p", "-t", tmuxSession, "#{pane_dead}").strip();
            if ("1".equals(dead)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new TimeoutException("session " + name + " did not exit within " + timeout.toSeconds() + " s after /exit");
    }

    private String tmux(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-S", sandbox.root.resolve("tmux.sock").toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return out;
    }

    static void requireTmux() {
        boolean present = Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "tmux")));
        if (!present && System.getenv("MESH_REQUIRE_E2E") != null) {
            throw new IllegalStateException("tmux is needed for interactive sessions; install it (apt-get install tmux)");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(present, "tmux is not installed, so interactive sessions cannot run");
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    // ------------------------------------------------------------------ what Claude Code logged

    /** Waits for a line of the session's debug log matching {@code test}. */
    public String awaitDebug(Predicate<String> test, Duration timeout, String what) throws IOException, InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (Files.exists(debugLog)) {
                for (String l : Files.readAllLines(debugLog, StandardCharsets.UTF_8)) {
                    if (test.test(l)) {
                        return l;
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new TimeoutException("session " + name + ": " + what + " not in the debug log within " + timeout.toSeconds() + " s");
    }

    public List<String> debugLines() throws IOException {
        return Files.exists(debugLog) ? Files.readAllLines(debugLog, StandardCharsets.UTF_8) : List.of();
    }

    /** The session's transcript ({@code ~/.claude/projects/…/SESSION.jsonl}), once Claude Code has written it. */
    public Path transcript() throws IOException {
        Path projects = sandbox.home.resolve(".claude/projects");
        if (Files.isDirectory(projects)) {
            try (Stream<Path> s = Files.walk(projects, 2)) {
                return s.filter(p -> p.getFileName().toString().equals(id + ".jsonl")).findFirst()
                        .orElseThrow(() -> new IOException("no transcript for session " + id + " yet"));
            }
        }
        throw new IOException("no transcript directory yet");
    }

    public String stderr() {
        synchronized (stderr) {
            return stderr.toString();
        }
    }

    /** The newest main-loop request: everything the model of this session has been shown. */
    public ApiRequest lastTurn() {
        List<ApiRequest> t = api.turns();
        if (t.isEmpty()) {
            throw new AssertionError("session " + name + " sent no main-loop request; stderr:\n" + stderr());
        }
        return t.get(t.size() - 1);
    }

    @Override
    public void close() {
        try {
            if (tmuxSession != null) {
                tmux("kill-session", "-t", tmuxSession);
            }
        } catch (IOException | InterruptedException ignored) {
            // already gone
        }
        if (process != null && process.isAlive()) {
            try {
                if (stdin != null) {
                    stdin.close();
                }
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (IOException | InterruptedException e) {
                process.destroyForcibly();
            }
        }
        api.close();
    }
}
