package dev.claudemesh.bench;

import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Question;

import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Figure 2: hook wall time as Claude Code spawns a hook. The session's server runs (as it does in a live
 * session), started by this process, which thus stands in for the session's Claude Code: the hooks it starts
 * are that process's descendants, find the server's hook socket, and are answered by it. Rows 2g and 2h take
 * the other way, a session whose server the hook cannot reach (it reads the database itself). A probe run
 * with {@code CLAUDE_MESH_HOOK_TRACE} confirms which way each group goes, and every run's output is checked: a
 * hook that took the other way, printed the wrong thing, or failed was not measuring what the row says.
 */
final class HooksSection extends Section {
    static final int QUESTIONS = 10;
    private final int runs;
    private final int warmups;
    private final Row emptyP50;
    private final Row emptyP95;
    private final Row questionsP50;
    private final Row questionsP95;
    private final Row startP50;
    private final Row startP95;
    private final Row fileP50;
    private final Row fileP95;

    HooksSection(BenchContext ctx) {
        runs = ctx.pick(40, 5);
        warmups = ctx.pick(2, 1);
        emptyP50 = row("2a", "`inbox-poll` hook (UserPromptSubmit), empty inbox, p50", Unit.MS, Target.atMost(100, Unit.MS));
        emptyP95 = row("2b", "`inbox-poll` hook (UserPromptSubmit), empty inbox, p95", Unit.MS, null);
        questionsP50 = row("2c", "`inbox-poll` hook (UserPromptSubmit), " + QUESTIONS + " waiting questions, p50", Unit.MS, null);
        questionsP95 = row("2d", "`inbox-poll` hook (UserPromptSubmit), " + QUESTIONS + " waiting questions, p95", Unit.MS, null);
        startP50 = row("2e", "`session-start` hook (startup: started with its server, waits for it to join), p50", Unit.MS, null);
        startP95 = row("2f", "`session-start` hook (startup: started with its server, waits for it to join), p95", Unit.MS, null);
        fileP50 = row("2g", "`inbox-poll` hook (UserPromptSubmit), empty inbox, its server out of reach (reads the database), p50",
                Unit.MS, null);
        fileP95 = row("2h", "`inbox-poll` hook (UserPromptSubmit), empty inbox, its server out of reach (reads the database), p95",
                Unit.MS, null);
    }

    /** What {@code CLAUDE_MESH_HOOK_TRACE} makes inbox-poll say, for each way it can answer. */
    static final String BY_SERVER = "claude-mesh hook trace: answered by the session's server";
    static final String BY_FILE = "claude-mesh hook trace: read the database";

    @Override
    String name() {
        return "hooks";
    }

    @Override
    String title() {
        return "hooks (" + runs + " runs each)";
    }

    @Override
    void run(BenchContext ctx) throws Exception {
        Path dir = ctx.sectionDir("hooks");
        Path db = ctx.newDb(dir);
        Path project = ctx.project(dir, "hooked");
        BenchContext.Server server = ctx.started("hooked", db, project, false);
        Mesh mesh = ctx.openMesh(db);
        String asker = ctx.join(mesh, "bench-asker", ctx.project(dir, "bench-asker"), "asks the hooked session questions").name();
        Map<String, String> env = ctx.env(db, project, false);
        HookRunner hooks = new HookRunner(dir);
        Path inboxPoll = ctx.launcher("claude-mesh-inbox-poll");
        ctx.hookJvm = describeHookJvm(inboxPoll, env, project);

        String prompt = HookRunner.input("UserPromptSubmit", "bench-session", project, Map.of("prompt", "What changed since yesterday?"));
        expectWay(hooks, inboxPoll, env, project, prompt, BY_SERVER);
        percentiles(emptyP50, emptyP95, 95, emptyInbox(hooks, inboxPoll, env, project, prompt));

        List<Double> withQuestions = new ArrayList<>();
        for (int i = 0; i < warmups + runs; i++) {
            List<Question> qs = new ArrayList<>();
            for (int k = 0; k < QUESTIONS; k++) {
                qs.add(mesh.ask(asker, server.name(), "Run " + i + ", question " + k
                        + ": which port does the API listen on in dev, and is it behind the Vite proxy?", Duration.ofMinutes(30)));
            }
            HookRunner.Run r = hooks.run(inboxPoll, env, project, prompt);
            check(r, "inbox-poll (" + QUESTIONS + " questions)");
            int shown = count(r.stdout(), "<peer_question ");
            for (Question q : qs) {
                if (!r.stdout().contains(q.id())) {
                    throw new BenchException("inbox-poll did not show question " + q.id() + " (it showed " + shown + "): " + r.stdout());
                }
            }
            if (shown != QUESTIONS) {
                throw new BenchException("inbox-poll showed " + shown + " questions, not " + QUESTIONS);
            }
            // Close them, so every run starts with exactly ten open questions.
            for (Question q : qs) {
                mesh.cancel(q);
            }
            if (i >= warmups) {
                withQuestions.add(r.wallMs());
            }
        }
        percentiles(questionsP50, questionsP95, 95, withQuestions);

        // A session whose server the hook cannot reach: its Claude Code stand-in is a shell, not this process.
        Path fileDir = ctx.sectionDir("hooks-unreachable");
        Path fileDb = ctx.newDb(fileDir);
        Path fileProject = ctx.project(fileDir, "unreachable");
        ctx.startedElsewhere("unreachable", fileDb, fileProject);
        Map<String, String> fileEnv = ctx.env(fileDb, fileProject, false);
        String filePrompt = HookRunner.input("UserPromptSubmit", "bench-file", fileProject, Map.of("prompt", "What changed since yesterday?"));
        expectWay(hooks, inboxPoll, fileEnv, fileProject, filePrompt, BY_FILE);
        percentiles(fileP50, fileP95, 95, emptyInbox(hooks, inboxPoll, fileEnv, fileProject, filePrompt));

        Path sessionStart = ctx.launcher("claude-mesh-session-start");
        List<Double> starts = new ArrayList<>();
        for (int i = 0; i < warmups + runs; i++) {
            // A new session in a project of its own, as at Claude Code's startup: its server and this hook start
            // at the same moment, and the hook waits for the server to join before it can say who the session is.
            String name = "fresh-" + i;
            Path fresh = ctx.project(dir, name);
            McpProcess freshServer = ctx.server(name, db, fresh, false);
            HookRunner.Run r = hooks.run(sessionStart, ctx.env(db, fresh, false), fresh,
                    HookRunner.input("SessionStart", "bench-start-" + i, fresh, Map.of("source", "startup")));
            check(r, "session-start");
            if (!r.stdout().contains("hookSpecificOutput") || !r.stdout().contains("peer '" + name + "'")) {
                throw new BenchException("session-start did not report its server's peer '" + name + "': " + r.stdout());
            }
            // Offline again, so each run sees the same mesh (two other peers online).
            freshServer.initialize(120);
            ctx.stop(freshServer);
            if (i >= warmups) {
                starts.add(r.wallMs());
            }
        }
        percentiles(startP50, startP95, 95, starts);
        if (noisy > 0) {
            ctx.note("2: " + noisy + " of " + checked + " hook runs (their output was right) also wrote to stderr, a hook "
                    + "should leave nothing there when it works; the first such line: `" + firstNoise.replace("`", "'") + "`");
        }
        ctx.note("2: the first " + plural(warmups, "run") + " of each hook " + (warmups == 1 ? "is a warm-up" : "are warm-ups") + ", not counted.");
        ctx.stopServers();
    }

    /** Wall times of inbox-poll on an empty inbox, after the warm-ups. */
    private List<Double> emptyInbox(HookRunner hooks, Path inboxPoll, Map<String, String> env, Path project, String prompt)
            throws Exception {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < warmups + runs; i++) {
            HookRunner.Run r = hooks.run(inboxPoll, env, project, prompt);
            check(r, "inbox-poll (empty inbox)");
            if (!r.stdout().isBlank()) {
                throw new BenchException("inbox-poll printed something for an empty inbox: " + r.stdout());
            }
            if (i >= warmups) {
                times.add(r.wallMs());
            }
        }
        return times;
    }

    /** One run with the trace on (not timed): the hook must answer the way the rows say. */
    private static void expectWay(HookRunner hooks, Path launcher, Map<String, String> env, Path project, String prompt,
                                  String way) throws Exception {
        Map<String, String> traced = new java.util.HashMap<>(env);
        traced.put("CLAUDE_MESH_HOOK_TRACE", "1");
        HookRunner.Run r = hooks.run(launcher, traced, project, prompt);
        if (r.exitCode() != 0 || !r.stderr().contains(way)) {
            throw new BenchException("inbox-poll did not answer the way this row measures (expected \"" + way + "\"): exit "
                    + r.exitCode() + ", stderr: " + r.stderr().strip());
        }
    }

    /** Runs that left something on stderr that is not the hook's own failure line (a library's log, say). */
    private int noisy;
    private int checked;
    private String firstNoise;

    /**
     * The run must have worked: exit 0 and no failure line of the hook or its launcher (both start with
     * "claude-mesh"). Anything else on stderr is counted and reported, since Claude Code may show it.
     */
    private void check(HookRunner.Run r, String what) {
        checked++;
        if (r.exitCode() != 0) {
            throw new BenchException(what + " exited " + r.exitCode() + ": " + r.stderr().strip());
        }
        if (r.stderr().contains("claude-mesh")) {
            throw new BenchException(what + " failed: " + r.stderr().strip());
        }
        if (!r.stderr().isBlank()) {
            noisy++;
            if (firstNoise == null) {
                firstNoise = r.stderr().strip().lines().findFirst().orElse("");
            }
        }
    }

    private static int count(String s, String part) {
        int n = 0;
        for (int i = s.indexOf(part); i >= 0; i = s.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    /** Starts the hook launcher with stdin held open, so the JVM it runs can be seen, then lets it finish. */
    private static BenchContext.Jvm describeHookJvm(Path launcher, Map<String, String> env, Path project) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(launcher.toString()).directory(project.toFile())
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        BenchContext.cleanEnv(pb.environment());
        pb.environment().putAll(env);
        Process p = pb.start();
        BenchContext.Jvm found = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (found == null && System.nanoTime() < deadline && p.isAlive()) {
            found = BenchContext.Jvm.in(p.pid());
            if (found == null) {
                Thread.sleep(5);
            }
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(HookRunner.input("UserPromptSubmit", "bench-probe", project, Map.of("prompt", "probe"))
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException ignored) {
            // it already finished
        }
        p.waitFor(30, TimeUnit.SECONDS);
        return found;
    }
}
