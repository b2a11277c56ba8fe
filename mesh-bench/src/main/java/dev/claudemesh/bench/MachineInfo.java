package dev.claudemesh.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** What the report says about the machine it ran on. Best effort: anything the OS does not tell is "unknown". */
final class MachineInfo {
    private MachineInfo() {
    }

    static String cpus() {
        int n = Runtime.getRuntime().availableProcessors();
        String model = firstLine(Path.of("/proc/cpuinfo"), "model name")
                .or(() -> nonEmpty(ProcStats.run(List.of("sysctl", "-n", "machdep.cpu.brand_string"))))
                .orElse("unknown model");
        return n + " × " + model;
    }

    static String memory() {
        Optional<Long> kb = firstLine(Path.of("/proc/meminfo"), "MemTotal").map(v -> Long.parseLong(v.split("\\s+")[0]));
        if (kb.isEmpty()) {
            kb = nonEmpty(ProcStats.run(List.of("sysctl", "-n", "hw.memsize"))).map(v -> Long.parseLong(v.trim()) / 1024);
        }
        return kb.map(k -> String.format(Locale.ROOT, "%.1f GiB", k / 1024.0 / 1024.0)).orElse("unknown");
    }

    static String os() {
        String kernel = System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch");
        Optional<String> pretty = Optional.empty();
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"), StandardCharsets.UTF_8)) {
                if (line.startsWith("PRETTY_NAME=")) {
                    pretty = Optional.of(line.substring(12).replace("\"", ""));
                }
            }
        } catch (IOException | RuntimeException e) {
            pretty = nonEmpty(ProcStats.run(List.of("sw_vers", "-productVersion"))).map(v -> "macOS " + v.trim());
        }
        return pretty.map(p -> p + ", " + kernel).orElse(kernel);
    }

    /** The 1-minute load average (other work on the machine makes every figure noisier). */
    static String load() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2] + " (1, 5, 15 min)";
        } catch (IOException | RuntimeException e) {
            double l = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
            return l < 0 ? "unknown" : String.format(Locale.ROOT, "%.2f (1 min)", l);
        }
    }

    /** {@code java -version} of that executable, on one line. */
    static String javaVersion(String java) {
        String out = ProcStats.run(List.of(java, "-version")).strip();
        return out.isEmpty() ? "unknown" : String.join("; ", out.lines().map(String::strip).toList());
    }

    /** The installation's commit, and whether its files differ from it. */
    static String commit(Path root) {
        String head = ProcStats.run(List.of("git", "-C", root.toString(), "rev-parse", "--short", "HEAD")).strip();
        if (head.isEmpty() || head.contains(" ")) {
            return "unknown (not a git checkout)";
        }
        String dirty = ProcStats.run(List.of("git", "-C", root.toString(), "status", "--porcelain", "--untracked-files=no")).strip();
        return head + (dirty.isEmpty() ? "" : " with uncommitted changes");
    }

    private static Optional<String> firstLine(Path file, String key) {
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (line.startsWith(key)) {
                    return Optional.of(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Optional.empty();
    }

    private static Optional<String> nonEmpty(String s) {
        return s == null || s.isBlank() ? Optional.empty() : Optional.of(s.strip());
    }
}
