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

    ServersSection(BenchContext ctx) {
        servers = ctx.pick(10, 3);
        settleSeconds = ctx.pick(5, 1);
        windowSeconds = ctx.pick(60, 3);
        start = row("3", "Server start: process start → `initialize` response", Unit.MS, Target.atMost(400, Unit.MS));
        rssIdle = row("4a", "Server resident memory, idle (" + settleSeconds + " s after `initialize`)", Unit.MB,
                Target.atMost(64, Unit.MB));
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
        Stats sl = new Stats(slices);
        idleCpu.measured(total, "per " + (windowSeconds % SLICES == 0 ? Integer.toString(windowSeconds / SLICES)
                        : String.format(Locale.ROOT, "%.1f", windowSeconds / (double) SLICES)) + " s slice "
                + Unit.PERCENT_CORE.range(sl.min(), sl.max()),
                "1 window of " + windowSeconds + " s");
        ctx.note(String.format(Locale.ROOT, "5: the %d idle servers used %.0f ms of CPU in %d s (resolution %d ms per process).",
                servers, (last - before) / 1e6, windowSeconds, ProcStats.cpuResolutionNanos() / 1_000_000));
        ctx.stopServers();
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
