package dev.claudemesh.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Resident memory and CPU time of a process and its descendants, from the operating system: {@code /proc}
 * on Linux, {@code ps} elsewhere (macOS). A launcher that execs its JVM is one process; one that starts the
 * JVM as a child is counted with it, so the figure is what the launcher costs whatever it does.
 */
final class ProcStats {
    private static final boolean PROC = Files.isDirectory(Path.of("/proc/self"));
    private static volatile long clockTicks;

    private ProcStats() {
    }

    /** The process and its live descendants. */
    static List<ProcessHandle> tree(long pid) {
        List<ProcessHandle> out = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(h -> {
            out.add(h);
            h.descendants().forEach(out::add);
        });
        return out;
    }

    /** Resident set size of the tree, in KiB (VmRSS on Linux, {@code ps -o rss=} elsewhere). */
    static long rssKb(long pid) {
        long sum = 0;
        for (ProcessHandle h : tree(pid)) {
            sum += PROC ? vmRssKb(h.pid()) : psNumber(h.pid(), "rss");
        }
        return sum;
    }

    /**
     * Proportional set size of the tree, in KiB: each page counted as its share among the processes mapping it,
     * so pages shared through a class-data archive, a shared library or the page cache count once over all the
     * processes that share them ({@code Pss} in {@code /proc/PID/smaps_rollup}, Linux 4.14+). Empty where the
     * system does not say.
     */
    static java.util.OptionalLong pssKb(long pid) {
        long sum = 0;
        for (ProcessHandle h : tree(pid)) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc/" + h.pid() + "/smaps_rollup"), StandardCharsets.UTF_8)) {
                    if (line.startsWith("Pss:")) {
                        sum += Long.parseLong(line.substring(4).trim().split("\\s+")[0]);
                    }
                }
            } catch (java.nio.file.NoSuchFileException e) {
                if (!Files.isDirectory(Path.of("/proc/self"))) {
                    return java.util.OptionalLong.empty();
                }
                // the process ended meanwhile
            } catch (IOException | RuntimeException e) {
                return java.util.OptionalLong.empty();
            }
        }
        return java.util.OptionalLong.of(sum);
    }

    /**
     * CPU time (user + system) of the tree so far, in nanoseconds: every live process's own time, plus the time
     * of children the root has already reaped (so short-lived helpers of a launcher count too).
     */
    static long cpuNanos(long pid) {
        long sum = 0;
        boolean root = true;
        for (ProcessHandle h : tree(pid)) {
            sum += PROC ? procCpuNanos(h.pid(), root) : psCpuNanos(h.pid());
            root = false;
        }
        return sum;
    }

    /** CPU time (user + system) of this one process, without any children: for the benchmark process itself. */
    static long ownCpuNanos(long pid) {
        return PROC ? procCpuNanos(pid, false) : psCpuNanos(pid);
    }

    private static long vmRssKb(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // the process ended: it uses no memory
        }
        return 0;
    }

    /** utime + stime (+ cutime + cstime for the root) from /proc/PID/stat, in nanoseconds. */
    private static long procCpuNanos(long pid, boolean withReapedChildren) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"), StandardCharsets.UTF_8);
            // The command name (field 2) may hold spaces and parentheses: split after its closing parenthesis.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
            // f[0] is field 3 (state), so field N is f[N - 3]: utime 14, stime 15, cutime 16, cstime 17.
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            if (withReapedChildren) {
                ticks += Long.parseLong(f[13]) + Long.parseLong(f[14]);
            }
            return ticks * 1_000_000_000L / clockTicks();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Clock ticks per second ({@code getconf CLK_TCK}; 100 on practically every Linux). */
    static long clockTicks() {
        if (clockTicks == 0) {
            long t = 100;
            try {
                String out = run(List.of("getconf", "CLK_TCK")).trim();
                if (!out.isEmpty()) {
                    t = Long.parseLong(out);
                }
            } catch (RuntimeException e) {
                // keep 100
            }
            clockTicks = t;
        }
        return clockTicks;
    }

    /** Resolution of the CPU-time figures, in nanoseconds. */
    static long cpuResolutionNanos() {
        return PROC ? 1_000_000_000L / clockTicks() : 10_000_000L;
    }

    private static long psNumber(long pid, String field) {
        try {
            return Long.parseLong(run(List.of("ps", "-o", field + "=", "-p", Long.toString(pid))).trim());
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** {@code ps -o time=}: {@code [[dd-]hh:]mm:ss[.cc]}. */
    private static long psCpuNanos(long pid) {
        String t = run(List.of("ps", "-o", "time=", "-p", Long.toString(pid))).trim();
        if (t.isEmpty()) {
            return 0;
        }
        try {
            long days = 0;
            int dash = t.indexOf('-');
            if (dash >= 0) {
                days = Long.parseLong(t.substring(0, dash));
                t = t.substring(dash + 1);
            }
            String[] parts = t.split(":");
            double seconds = 0;
            for (String p : parts) {
                seconds = seconds * 60 + Double.parseDouble(p);
            }
            return (long) ((days * 86400 + seconds) * 1e9);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** The JVM of a tree: the first process, root first, whose executable is a {@code java}. */
    static Optional<ProcessHandle> javaIn(long pid) {
        for (ProcessHandle h : tree(pid)) {
            Optional<String> cmd = h.info().command();
            if (cmd.isPresent() && Path.of(cmd.get()).getFileName().toString().startsWith("java")) {
                return Optional.of(h);
            }
        }
        return Optional.empty();
    }

    /** Runs a short command and returns its stdout and stderr together (empty when it cannot run). */
    static String run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
