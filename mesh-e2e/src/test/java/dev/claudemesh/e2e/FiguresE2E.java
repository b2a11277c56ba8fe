package dev.claudemesh.e2e;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures the real client shows, measured many times for docs/benchmarks.md ("In the real Claude Code") (never asserted). Runs only
 * when asked: {@code ./mvnw -B verify -pl mesh-e2e -am -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false
 * -Dit.test=FiguresE2E -Dmesh.e2e.figures=20}; writes {@code mesh-e2e/target/e2e-figures.md}, whose rows go to docs/benchmarks.md ("In the real Claude Code").
 */
class FiguresE2E {
    static int runs;
    static final Map<String, List<Double>> FIGURES = new LinkedHashMap<>();

    @BeforeAll
    static void asked() {
        runs = Integer.getInteger("mesh.e2e.figures", 0);
        Assumptions.assumeTrue(runs > 0, "figures are measured only with -Dmesh.e2e.figures=N");
    }

    static synchronized void add(String figure, double ms) {
        FIGURES.computeIfAbsent(figure, k -> new ArrayList<>()).add(ms);
        write();
    }

    private static final Pattern HOOK = Pattern.compile("Hooks: (SessionStart|UserPromptSubmit|Stop)\\S* \\[[^\\]]*claude-mesh[^\\]]*\\] finished with status \\d+ \\((\\d+)ms\\)");

    /** Command hook durations as Claude Code's own debug log times them (mcp_tool hooks run no claude-mesh command). */
    static void hookTimes(Session s) throws IOException {
        for (String line : s.debugLines()) {
            Matcher m = HOOK.matcher(line);
            if (m.find()) {
                add("`" + m.group(1) + "` command hook, as Claude Code times it (debug log)", Double.parseDouble(m.group(2)));
            }
        }
    }

    private static final Pattern MCP_CALL = Pattern.compile("Hooks: mcp_tool calling (\\S+)/hook_delivery");
    private static final Pattern MCP_DONE = Pattern.compile("\"Hook [A-Za-z]+(?::\\S+)? \\((UserPromptSubmit|PostToolUse|Stop)\\) success");

    /**
     * mcp_tool hook durations as Claude Code's debug log shows them: from its "mcp_tool calling" line to the hook's
     * "success" line (millisecond timestamps; the hooks of one session run one at a time).
     */
    static void mcpHookTimes(Session s, String server, String suffix) throws IOException {
        Instant called = null;
        for (String line : s.debugLines()) {
            if (line.length() < 24) {
                continue;
            }
            Matcher c = MCP_CALL.matcher(line);
            if (c.find() && c.group(1).equals(server)) {
                called = Instant.parse(line.substring(0, 24));
                continue;
            }
            Matcher m = MCP_DONE.matcher(line);
            if (m.find() && called != null) {
                add("`" + m.group(1) + "` mcp_tool hook, as Claude Code's debug log times it" + suffix,
                        Duration.between(called, Instant.parse(line.substring(0, 24))).toMillis());
                called = null;
            }
        }
    }

    private static final Pattern STAGE = Pattern.compile("hooks module \\S+ (prompt\\.submit|tool\\.call) settled in ([0-9.]+)ms");

    /**
     * Claude Code's own timing of two stages of a turn, from its debug log (2.1.328 logs how long a built-in
     * module took around each stage, "next() included"): prompt.submit spans the prompt's processing with its
     * UserPromptSubmit hooks, tool.call a tool's run with its PostToolUse hooks. Inside one process, so free of
     * the pipe and scheduling noise the end-to-end figures carry. Nothing is added when the line is not there.
     */
    static void stageTimes(String kind, Session s) throws IOException {
        List<String> lines = s.debugLines();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = STAGE.matcher(lines.get(i));
            if (m.find() && !(m.group(1).equals("tool.call") && !usedRead(lines, i))) {
                add("Claude Code's own " + m.group(1) + " stage (its debug log), " + kind, Double.parseDouble(m.group(2)));
            }
        }
    }

    /** Whether the tool.call stage ending at line {@code end} ran the Read tool (the only tool these rounds call). */
    private static boolean usedRead(List<String> lines, int end) {
        for (int i = end - 1; i >= 0 && i > end - 20; i--) {
            if (lines.get(i).contains("tool_dispatch_start")) {
                return lines.get(i).contains("tool=Read ");
            }
        }
        return false;
    }

    @Test
    void questionsStopAndHooks() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Session backend = Session.in(sandbox, sandbox.project("backend"), Script.directives().answeringQuestions("42"))
                    .streaming();
            backend.send("SAY online");
            backend.awaitResult(1, Duration.ofSeconds(90));
            Session frontend = Session.in(sandbox, sandbox.project("frontend"), Script.directives()).streaming();
            frontend.send("SAY online");
            frontend.awaitResult(1, Duration.ofSeconds(90));
            for (int i = 0; i < runs; i++) {
                frontend.send("CALL ask_peer {\"to\": \"backend\", \"question\": \"Q" + i + ": which answer?\", \"timeout_seconds\": 120}\nSAY asked");
                sandbox.awaitCount("SELECT count(*) FROM questions WHERE status = 'pending'", 1, Duration.ofSeconds(60));
                backend.send("SAY next " + i);
                backend.awaitResult(2 + i, Duration.ofSeconds(90));
                frontend.awaitResult(2 + i, Duration.ofSeconds(120));
                List<ApiRequest> bt = backend.api.turns();
                int replyAt = -1;
                for (int k = bt.size() - 1; k >= 0; k--) {
                    if (bt.get(k).toolCalls().size() > 0 && bt.get(k).answeredTool().map(t -> t.endsWith("reply_to_peer")).orElse(false)) {
                        replyAt = k - 1;
                        break;
                    }
                }
                long replySent = backend.api.repliedAt(bt.get(replyAt));
                final String want = "Q" + i;
                ApiRequest answered = frontend.api.await(r -> r.answersTool() && r.nanos() > replySent
                        && r.shownText().contains("\"answered\""), Duration.ofSeconds(30), "with answer " + want);
                add("reply → the asker's next model request (real client)", Figures.ms(replySent, answered.nanos()));
            }
            hookTimes(backend);
            hookTimes(frontend);
        }
    }

    /**
     * What claude-mesh's hooks add to a turn, side by side in one run: the same prompt in five sessions, one
     * without claude-mesh, one with its server but every hook off, one with command hooks, one with mcp_tool hooks,
     * and one with the same mcp_tool hooks on a server that does nothing ({@link #FLOOR}), in a shuffled order
     * each round, so a noisy moment touches all five and none always follows the same one
     * ({@code -Dmesh.e2e.figures.settle=MS}, default 300, is the quiet pause before each prompt). Prompt sent →
     * its model request (UserPromptSubmit in between), and the model's tool call → the next model request (the tool, then PostToolUse with mcp_tool hooks; command hooks have none).
     */
    @Test
    void promptAndToolCallOverheadSideBySide() throws Exception {
        Map<String, Sandbox> sandboxes = new LinkedHashMap<>();
        Map<String, Session> sessions = new LinkedHashMap<>();
        Map<String, Path> files = new LinkedHashMap<>();
        try {
            sandboxes.put("no claude-mesh", Sandbox.withoutMesh());
            sandboxes.put("claude-mesh's server, hooks off", Sandbox.installed("--hooks=mcp").withHooksDisabled());
            sandboxes.put("command hooks", Sandbox.installed("--hooks=command"));
            sandboxes.put("mcp_tool hooks", Sandbox.installed("--hooks=mcp"));
            floorSandbox(sandboxes.get("mcp_tool hooks")).ifPresent(sb -> sandboxes.put(FLOOR, sb));
            for (Map.Entry<String, Sandbox> e : sandboxes.entrySet()) {
                Path project = e.getValue().project("backend");
                Files.writeString(project.resolve("notes.txt"), "nothing much\n");
                files.put(e.getKey(), project.resolve("notes.txt"));
                Session s = Session.in(e.getValue(), project, Script.directives()).streaming();
                s.send("SAY online");
                s.awaitResult(1, Duration.ofSeconds(90));
                sessions.put(e.getKey(), s);
            }
            List<String> order = new ArrayList<>(sessions.keySet());
            synchronized (FiguresE2E.class) { // rows in this order, whichever session goes first
                for (String kind : order) {
                    FIGURES.putIfAbsent("prompt sent → its model request, " + kind + " (real client)", new ArrayList<>());
                }
                for (String kind : order) {
                    FIGURES.putIfAbsent("tool call → the next model request, " + kind + " (real client)", new ArrayList<>());
                }
            }
            // A new order every round (seeded: the same run twice takes the same orders), so that no session
            // always follows the same one; and a pause before each prompt, so the previous session's end of turn
            // (its Stop hook: a whole JVM with command hooks) is over before the clock starts. In a rotation
            // the mcp_tool session always came right after the command-hook one and paid for that JVM.
            java.util.Random shuffle = new java.util.Random(20);
            long settleMs = Long.getLong("mesh.e2e.figures.settle", 300);
            for (int i = 0; i < runs; i++) {
                java.util.Collections.shuffle(order, shuffle);
                Map<String, Double> prompt = new LinkedHashMap<>();
                Map<String, Double> toolCall = new LinkedHashMap<>();
                for (String kind : order) {
                    Thread.sleep(settleMs);
                    Session s = sessions.get(kind);
                    String token = "run-" + i + "-end";
                    long sent = System.nanoTime();
                    // A built-in tool every session has (2.1.328 has no Glob tool: "Unknown tool Glob", no PostToolUse).
                    s.send("CALL Read {\"file_path\": \"" + files.get(kind) + "\"}\nSAY " + token);
                    s.awaitResult(2 + i, Duration.ofSeconds(90));
                    List<ApiRequest> t = s.api.turns();
                    int k = 0;
                    while (k < t.size() && !t.get(k).userTexts().stream().anyMatch(u -> u.contains(token))) {
                        k++;
                    }
                    prompt.put(kind, Figures.ms(sent, t.get(k).nanos()));
                    add("prompt sent → its model request, " + kind + " (real client)", prompt.get(kind));
                    if (k + 1 < t.size() && t.get(k + 1).answersTool()) {
                        toolCall.put(kind, Figures.ms(s.api.repliedAt(t.get(k)), t.get(k + 1).nanos()));
                        add("tool call → the next model request, " + kind + " (real client)", toolCall.get(kind));
                    }
                }
                // The same comparison round by round: what the hooks add, with the noise of one moment in both.
                pairDifference("prompt: mcp_tool hooks minus hooks off, the same round", prompt, "mcp_tool hooks", "claude-mesh's server, hooks off");
                pairDifference("tool call: mcp_tool hooks minus hooks off, the same round", toolCall, "mcp_tool hooks", "claude-mesh's server, hooks off");
                pairDifference("prompt: " + FLOOR + " minus no claude-mesh, the same round", prompt, FLOOR, "no claude-mesh");
                pairDifference("tool call: " + FLOOR + " minus no claude-mesh, the same round", toolCall, FLOOR, "no claude-mesh");
            }
            mcpHookTimes(sessions.get("mcp_tool hooks"), "claude-mesh", "");
            if (sessions.containsKey(FLOOR)) {
                mcpHookTimes(sessions.get(FLOOR), "floor", ", " + FLOOR);
            }
            for (Map.Entry<String, Session> e : sessions.entrySet()) {
                stageTimes(e.getKey(), e.getValue());
            }
        } finally {
            for (Sandbox sb : sandboxes.values()) {
                sb.close();
            }
        }
    }

    /**
     * The fifth session, when interop's Node packages are installed: no claude-mesh, but the mcp_tool hooks
     * {@code install --hooks=mcp} wrote for the fourth, calling a Node MCP SDK server that answers "{}" at once
     * (interop/hook-floor.mjs) instead of ours. What
     * Claude Code itself spends on an mcp_tool hook, whatever the server: the floor for ours.
     */
    static final String FLOOR = "mcp_tool hooks on a do-nothing Node server";

    private static java.util.Optional<Sandbox> floorSandbox(Sandbox installed) throws IOException {
        Path script = ClaudeCode.repoRoot().resolve("interop/hook-floor.mjs");
        if (!Files.isDirectory(ClaudeCode.repoRoot().resolve("interop/node_modules/@modelcontextprotocol/sdk"))) {
            System.err.println("no floor session: run npm ci in interop/ for it");
            return java.util.Optional.empty();
        }
        return java.util.Optional.of(Sandbox.withoutMesh().withMcpServer("floor", List.of("node", script.toString()))
                .withMcpToolHooksOf(installed, "hook_delivery", "floor"));
    }

    private static void pairDifference(String figure, Map<String, Double> round, String withKind, String withoutKind) {
        Double with = round.get(withKind);
        Double without = round.get(withoutKind);
        if (with != null && without != null) {
            add(figure, with - without);
        }
    }

    @Test
    void endOfTurnToStopFeedback() throws Exception {
        for (int i = 0; i < runs; i++) {
            try (Sandbox sandbox = Sandbox.installed()) {
                Gate thinking = new Gate();
                CompletableFuture<Session> turn = Session.in(sandbox, sandbox.project("backend"),
                        Script.directives().reacting(thinking).answeringQuestions("ok"))
                        .printInBackground("SAY finished"); // no tool call: with mcp_tool hooks PostToolUse would bring it first
                thinking.awaitReached();
                CompletableFuture<Session> asking = Session.in(sandbox, sandbox.project("frontend"), Script.directives())
                        .printInBackground("CALL ask_peer {\"to\": \"backend\", \"question\": \"still there?\", \"timeout_seconds\": 120}\nSAY asked");
                sandbox.awaitCount("SELECT count(*) FROM questions WHERE status = 'pending'", 1, Duration.ofSeconds(60));
                thinking.open();
                Session backend = turn.get(180, TimeUnit.SECONDS);
                asking.get(180, TimeUnit.SECONDS);
                List<ApiRequest> t = backend.api.turns();
                for (int k = 1; k < t.size(); k++) {
                    List<String> users = t.get(k).userTexts();
                    if (!users.isEmpty() && users.get(users.size() - 1).contains("still there?")) {
                        add("end of turn → Stop's text in the next model request (real client)",
                                Figures.ms(backend.api.repliedAt(t.get(k - 1)), t.get(k).nanos()));
                        break;
                    }
                }
                hookTimes(backend);
            }
        }
    }

    @Test
    void asyncRewakeSendToWokenRequest() throws Exception {
        try (Sandbox sandbox = Sandbox.installed("--with-wake")) {
            Session backend = Session.in(sandbox, sandbox.project("backend"), Script.directives()).interactive();
            Session frontend = Session.in(sandbox, sandbox.project("frontend"), Script.directives()).streaming();
            frontend.send("SAY online");
            frontend.awaitResult(1, Duration.ofSeconds(90));
            backend.type("SAY ready");
            backend.api.await(r -> r.shownText().contains("SAY ready"), Duration.ofSeconds(90), "for the first prompt");
            for (int i = 0; i < runs; i++) {
                backend.awaitScreen(s -> !s.contains("esc to interrupt"), Duration.ofSeconds(60), "the session to be idle");
                Thread.sleep(2500); // the wake hook starts after the turn and must be waiting
                String text = "wake " + i;
                frontend.send("CALL tell_peer {\"to\": \"backend\", \"message\": \"" + text + "\"}\nSAY sent");
                frontend.awaitResult(2 + i, Duration.ofSeconds(90));
                long sent = frontend.api.turns().stream().filter(ApiRequest::answersTool).reduce((a, b) -> b).orElseThrow().nanos();
                ApiRequest woken = backend.api.await(r -> r.shownText().contains(text), Duration.ofSeconds(60), "woken by " + text);
                add("asyncRewake: message sent → the idle session's model request (real client)", Figures.ms(sent, woken.nanos()));
            }
        }
    }

    static void write() {
        StringBuilder out = new StringBuilder("| figure | runs | p50 | p95 | min | max |\n| --- | --- | --- | --- | --- | --- |\n");
        FIGURES.forEach((figure, values) -> {
            if (values.isEmpty()) {
                return;
            }
            List<Double> v = new ArrayList<>(values);
            v.sort(Double::compare);
            out.append(String.format(Locale.ROOT, "| %s | %d | %.1f ms | %.1f ms | %.1f ms | %.1f ms |%n", figure, v.size(),
                    pct(v, 50), pct(v, 95), v.get(0), v.get(v.size() - 1)));
        });
        try {
            Path f = ClaudeCode.repoRoot().resolve("mesh-e2e/target/e2e-figures.md");
            Files.createDirectories(f.getParent());
            Files.writeString(f, out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("could not write figures: " + e.getMessage());
        }
    }

    static double pct(List<Double> sorted, int p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
    }
}
