package dev.claudemesh.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The benchmark suite: runs every section against real processes, one after another (so none disturbs
 * another's figures), and writes one report to stdout and to a file.
 */
public final class BenchSuite {
    private final Path root;
    private final boolean quick;
    private final String command;
    private final PrintStream log;
    private final List<String> only;

    /**
     * @param root    the installation whose {@code bin/} launchers are measured
     * @param quick   small counts and short windows: a smoke run
     * @param command the command line as the user typed it, for the report
     * @param only    the groups to run, by name or figure number ({@code throughput}, {@code 6}); empty for all
     */
    public BenchSuite(Path root, boolean quick, String command, PrintStream log, List<String> only) {
        this.root = root;
        this.quick = quick;
        this.command = command;
        this.log = log;
        this.only = List.copyOf(only);
    }

    /** The names {@code --only} accepts, besides figure numbers. */
    public static final List<String> SECTION_NAMES = List.of("servers", "hooks", "ask-reply", "channel", "memory",
            "throughput", "scale");

    /** Whether {@code --only} can take {@code choice}: a group's name or a figure's number ({@code 6}, {@code 2a}). */
    public static boolean isGroup(String choice) {
        String c = choice.trim().toLowerCase(Locale.ROOT);
        return SECTION_NAMES.contains(c) || c.matches("[1-8][a-z]?");
    }

    /** Runs everything; returns 0 when every figure was measured (targets met or not), 1 otherwise. */
    public int run(PrintStream out, Path outFile) throws IOException {
        Instant date = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        String loadBefore = MachineInfo.load();
        List<Section> sections = new ArrayList<>();
        List<Row> rows = new ArrayList<>();
        boolean allMeasured = true;
        long took;
        BenchContext.Jvm serverJvm;
        BenchContext.Jvm hookJvm;
        List<String> notes;
        try (BenchContext ctx = new BenchContext(root, quick, log)) {
            Thread cleanup = new Thread(ctx::close, "bench-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            sections.add(new ServersSection(ctx));
            sections.add(new HooksSection(ctx));
            sections.add(new AskReplySection(ctx));
            sections.add(AskReplySection.onPostgres(ctx));
            sections.add(new ChannelSection(ctx));
            sections.add(new MemorySection(ctx));
            sections.add(new ThroughputSection(ctx));
            sections.add(new ScaleSection(ctx));
            if (!only.isEmpty()) {
                sections.removeIf(sec -> only.stream().noneMatch(sec::selectedBy));
            }
            ctx.log((quick ? "quick smoke run" : "full run") + " on " + root + ", temporary files in " + ctx.tmp);
            prepareCache(ctx);
            for (int i = 0; i < sections.size(); i++) {
                Section s = sections.get(i);
                ctx.log("[" + (i + 1) + "/" + sections.size() + "] " + s.title());
                try {
                    s.run(ctx);
                } catch (Exception | Error e) {
                    String why = e.getMessage() == null ? e.toString() : e.getMessage();
                    ctx.log("  failed: " + why);
                    s.rows.forEach(r -> r.failed(why.lines().findFirst().orElse(why)));
                    ctx.note(s.rows.get(0).id + "…: this group failed: " + why);
                } finally {
                    ctx.stopServers();
                }
                for (Row r : s.rows) {
                    if (r.verdict == Row.Verdict.NOT_MEASURED && !r.skipped) {
                        allMeasured = false;
                    }
                    if (r.verdict != Row.Verdict.NOT_MEASURED) {
                        ctx.log(String.format(Locale.ROOT, "  %-3s %s  (%s)", r.id, r.value, r.verdictText()));
                    }
                }
                rows.addAll(s.rows);
            }
            int[] dropped = ctx.droppedResponses();
            if (dropped[0] > 0 || dropped[1] > 0) {
                ctx.note(String.format(Locale.ROOT, "The servers dropped %d responses in all (no response within %d s), and "
                        + "logged %d times that the MCP SDK could not queue an outgoing message (\"Failed to enqueue "
                        + "message\"). This is a defect of the server under load, not of the benchmark: a client waiting "
                        + "for such a response waits for ever.", dropped[0], McpProcess.DROP_SECONDS, dropped[1]));
            }
            took = ctx.elapsedNanos();
            serverJvm = ctx.serverJvm;
            hookJvm = ctx.hookJvm;
            notes = new ArrayList<>(ctx.notes);
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }

        Map<String, String> header = new LinkedHashMap<>();
        long secs = took / 1_000_000_000L;
        header.put("Date", date + " (the suite took " + secs / 60 + " min " + secs % 60 + " s)");
        header.put("Command", "`" + command + "`" + (quick ? " — a quick smoke run: small counts, not a measurement" : "")
                + (only.isEmpty() ? "" : " — only some groups of figures"));
        header.put("Build", "commit " + MachineInfo.commit(root));
        header.put("Machine", MachineInfo.cpus() + ", " + MachineInfo.memory() + " RAM");
        header.put("Load average", "at start " + loadBefore + "; at end " + MachineInfo.load());
        header.put("OS", MachineInfo.os());
        if (serverJvm != null && hookJvm != null && !serverJvm.command().equals(hookJvm.command())) {
            header.put("JDK (servers)", java(serverJvm));
            header.put("JDK (hooks)", java(hookJvm));
        } else {
            header.put("JDK", java(serverJvm != null ? serverJvm : hookJvm));
        }
        header.put("Server launched as", launch(serverJvm));
        header.put("Hooks launched as", launch(hookJvm));
        String md = Report.render(header, rows, notes);
        out.print(md);
        out.flush();
        if (outFile != null) {
            Path parent = outFile.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            String previous = Files.isRegularFile(outFile) ? Files.readString(outFile, StandardCharsets.UTF_8) : "";
            Files.writeString(outFile, Report.keepingSection(md, previous), StandardCharsets.UTF_8);
            log.println("bench: written to " + outFile);
        }
        log.println("bench: " + Report.verdict(rows).replace("**", ""));
        return allMeasured ? 0 : 1;
    }

    private static String java(BenchContext.Jvm j) {
        return j == null ? "not seen" : "`" + j.command() + "`: " + MachineInfo.javaVersion(j.command());
    }

    private String launch(BenchContext.Jvm j) {
        return j == null ? "not seen" : "`java " + j.args().replace(root + "/", "") + "`";
    }

    /**
     * Builds the launchers' start-up cache first, as install does, so every figure is of the checkout as it runs
     * once installed. Without this a bench right after a build measured cold JVMs while the cache was still
     * being built in the background (server start 856 ms instead of about 340).
     */
    private void prepareCache(BenchContext ctx) throws IOException {
        Process p = new ProcessBuilder(root.resolve("bin").resolve("claude-mesh-prepare").toString())
                .redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        int exit;
        try {
            exit = p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while building the start-up cache", e);
        }
        if (exit != 0) {
            String why = out.lines().reduce((a, b) -> b).orElse("exit " + exit);
            ctx.log("start-up cache not built: " + why);
            ctx.note("The launchers' start-up cache could not be built (" + why + "), so every process started without it.");
        } else {
            ctx.log("start-up cache ready (bin/claude-mesh-prepare)");
        }
    }
}
