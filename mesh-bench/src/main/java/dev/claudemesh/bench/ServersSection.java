package dev.claudemesh.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Figures 3, 4 (idle) and 5: servers started one after another (each start timed from just before the
 * process is created until its {@code initialize} response arrives), then left idle: their resident memory
 * after a settling pause, and the CPU time they use together over the idle window.
 */
final class ServersSection extends Section {
    private final int servers;
    private final int settleSeconds;
    private final int windowSeconds;
    private static final int SLICES = 6;
    private final Row start;
    private final Row rssIdle;
    private final Row idleCpu;
    private final Row pssMesh;
    private final Row pssNode;

    ServersSection(BenchContext ctx) {
        servers = ctx.pick(10, 3);
        settleSeconds = ctx.pick(5, 1);
        windowSeconds = ctx.pick(60, 3);
        start = row("3", "Server start: process start → `initialize` response", Unit.MS, Target.atMost(400, Unit.MS));
        rssIdle = row("4a", "Server resident memory, idle (" + settleSeconds + " s after `initialize`)", Unit.MB,
                Target.atMost(64, Unit.MB));
        pssMesh = new Row("4c", servers + " idle servers together: proportional set size (PSS), after the idle window",
                Unit.MB, null, "≤ 4d");
        rows.add(pssMesh);
        pssNode = row("4d", servers + " idle minimal Node.js MCP SDK stdio servers (interop/minimal-server.mjs) together: PSS, "
                + "at the same moment", Unit.MB, null);
        idleCpu = row("5", "Idle cost: CPU time of " + servers + " idle servers together over " + windowSeconds + " s",
                Unit.PERCENT_CORE, Target.atMost(1, Unit.PERCENT_CORE));
    }

    @Override
    String name() {
        return "servers";
    }

    @Override
    String title() {
        return "server start, idle memory and idle CPU (" + servers + " servers)";
    }

    @Override
    void run(BenchContext ctx) throws Exception {
        Path dir = ctx.sectionDir("servers");
        Path db = ctx.newDb(dir);
        List<McpProcess> procs = new ArrayList<>();
        List<Double> startMs = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            McpProcess p = ctx.server("idle-" + i, db, ctx.project(dir, "idle-" + i), false);
            McpProcess.Arrival init = p.initialize(120);
            if (!init.result().path("serverInfo").has("name")) {
                throw new BenchException("idle-" + i + ": initialize returned " + init.message());
            }
            startMs.add((init.nanos() - p.startedNanos) / 1e6);
            procs.add(p);
            if (i == 0) {
                ctx.serverJvm = BenchContext.Jvm.in(p.pid());
            }
        }
        repeats(start, startMs, "start");
        // The yardstick for 4c, started now so it has been idle exactly as long when both are measured.
        List<McpProcess> node = nodeServers(ctx, dir);

        Thread.sleep(settleSeconds * 1000L);
        List<Double> rss = new ArrayList<>();
        for (McpProcess p : procs) {
            rss.add(ProcStats.rssKb(p.pid()) / 1024.0);
        }
        repeats(rssIdle, rss, "server");

        long windowNanos = windowSeconds * 1_000_000_000L;
        long before = cpu(procs);
        long t0 = System.nanoTime();
        long last = before;
        long lastT = t0;
        List<Double> slices = new ArrayList<>();
        for (int s = 1; s <= SLICES; s++) {
            long until = t0 + windowNanos * s / SLICES;
            long wait = until - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
            }
            long now = cpu(procs);
            long nowT = System.nanoTime();
            slices.add(percentOfCore(now - last, nowT - lastT));
            last = now;
            lastT = nowT;
        }
        double total = percentOfCore(last - before, lastT - t0);
        for (McpProcess p : procs) {
            if (!p.process.isAlive()) {
                throw new BenchException(p.label + " exited while idle" + p.stderrHint());
            }
        }
        pss(ctx, procs, node);
        Stats sl = new Stats(slices);
        idleCpu.measured(total, "per " + (windowSeconds % SLICES == 0 ? Integer.toString(windowSeconds / SLICES)
                        : String.format(Locale.ROOT, "%.1f", windowSeconds / (double) SLICES)) + " s slice "
                + Unit.PERCENT_CORE.range(sl.min(), sl.max()),
                "1 window of " + windowSeconds + " s");
        ctx.note(String.format(Locale.ROOT, "5: the %d idle servers used %.0f ms of CPU in %d s (resolution %d ms per process).",
                servers, (last - before) / 1e6, windowSeconds, ProcStats.cpuResolutionNanos() / 1_000_000));
        ctx.stopServers();
    }

    /**
     * Ten of the smallest stdio MCP server the official TypeScript SDK makes, initialized; empty (and 4c, 4d
     * skipped) without Node.js or the SDK in {@code interop/node_modules} ({@code npm ci} there).
     */
    private List<McpProcess> nodeServers(BenchContext ctx, Path dir) throws Exception {
        Path script = ctx.root.resolve("interop").resolve("minimal-server.mjs");
        String why = null;
        if (!java.nio.file.Files.isRegularFile(script)) {
            why = "no " + script;
        } else if (!java.nio.file.Files.isDirectory(ctx.root.resolve("interop/node_modules/@modelcontextprotocol/sdk"))) {
            why = "the MCP SDK is not installed in interop/ (npm ci there)";
        } else if (!ProcStats.run(List.of("node", "--version")).startsWith("v")) {
            why = "no node on PATH";
        }
        if (why != null) {
            pssMesh.skip(why);
            pssNode.skip(why);
            return List.of();
        }
        List<McpProcess> out = new ArrayList<>();
        for (int i = 0; i < servers; i++) {
            McpProcess p = ctx.otherServer("node-" + i, List.of("node", script.toString()),
                    java.nio.file.Files.createDirectories(dir.resolve("node-" + i)));
            McpProcess.Arrival init = p.initialize(120);
            if (!init.result().path("serverInfo").has("name")) {
                throw new BenchException("node-" + i + ": initialize returned " + init.message());
            }
            out.add(p);
        }
        return out;
    }

    /** 4c and 4d: both sets' PSS read one right after the other, after both sat idle through the window. */
    private void pss(BenchContext ctx, List<McpProcess> mesh, List<McpProcess> node) {
        if (node.isEmpty()) {
            return;
        }
        java.util.OptionalLong ours = sumPss(mesh);
        java.util.OptionalLong theirs = sumPss(node);
        if (ours.isEmpty() || theirs.isEmpty()) {
            pssMesh.skip("no /proc/PID/smaps_rollup on this system");
            pssNode.skip("no /proc/PID/smaps_rollup on this system");
            return;
        }
        double oursMb = ours.getAsLong() / 1024.0;
        double theirsMb = theirs.getAsLong() / 1024.0;
        String each = "%s MB per server";
        pssNode.measured(theirsMb, String.format(Locale.ROOT, each, Unit.MB.number(theirsMb / node.size())), node.size() + " servers");
        pssMesh.judged(Unit.MB.format(oursMb), String.format(Locale.ROOT, each, Unit.MB.number(oursMb / mesh.size())),
                mesh.size() + " servers", oursMb <= theirsMb);
        pssMesh.number = oursMb;
        ctx.note(String.format(Locale.ROOT, "4c/4d: PSS (`Pss` of /proc/PID/smaps_rollup, summed) counts a page shared by n "
                + "processes as 1/n in each, so the class-data archive the servers share is counted once; their resident "
                + "sizes summed were %s MB (ours) and %s MB (Node).", Unit.MB.number(rssSum(mesh)), Unit.MB.number(rssSum(node))));
    }

    private static java.util.OptionalLong sumPss(List<McpProcess> procs) {
        long sum = 0;
        for (McpProcess p : procs) {
            java.util.OptionalLong one = ProcStats.pssKb(p.pid());
            if (one.isEmpty()) {
                return one;
            }
            sum += one.getAsLong();
        }
        return java.util.OptionalLong.of(sum);
    }

    private static double rssSum(List<McpProcess> procs) {
        return procs.stream().mapToLong(p -> ProcStats.rssKb(p.pid())).sum() / 1024.0;
    }

    private static long cpu(List<McpProcess> procs) {
        long sum = 0;
        for (McpProcess p : procs) {
            sum += ProcStats.cpuNanos(p.pid());
        }
        return sum;
    }

    private static double percentOfCore(long cpuNanos, long wallNanos) {
        return 100.0 * cpuNanos / wallNanos;
    }
}
