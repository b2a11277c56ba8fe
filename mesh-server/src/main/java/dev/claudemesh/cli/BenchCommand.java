package dev.claudemesh.cli;

import dev.claudemesh.install.Installation;

import dev.claudemesh.bench.BenchSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code claude-mesh bench}: the benchmark suite, against real server and hook processes of this installation
 * on temporary databases. Prints one markdown report and writes it to {@code --out}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure this installation: ask/reply latency, hook wall time, server start, memory, idle CPU, "
                + "throughput, scale and channel push latency, with real processes on temporary databases.",
                "Prints a markdown report (with the machine, JDK and date) and writes it to --out. Takes about "
                        + "5 minutes (--quick: under a minute). Exit 0 when every figure was measured, whether or not it met its target."})
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "Small counts and short windows: a smoke run, not a measurement. "
            + "Its report is written only where --out says, never over docs/benchmarks.md.")
    boolean quick;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Where to write the report (default: docs/benchmarks.md in this installation, for a full run of "
                    + "every group only).")
    Path out;

    @Option(names = "--only", paramLabel = "GROUP", split = ",",
            description = "Run only these groups of figures: servers, hooks, ask-reply, channel, memory, throughput, "
                    + "scale, or a figure's number (6). Repeatable or comma-separated. The report is then written only "
                    + "where --out says, never over docs/benchmarks.md.")
    java.util.List<String> only = new java.util.ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path root = Installation.current().map(Installation::root).orElseThrow(() -> new dev.claudemesh.mesh.MeshException(
                "bench needs an installation with bin/ launchers (run it as bin/claude-mesh bench)"));
        for (String choice : only) {
            if (!BenchSuite.isGroup(choice)) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--only " + choice
                        + ": no such group; use " + String.join(", ", BenchSuite.SECTION_NAMES) + ", or a figure number such as 6");
            }
        }
        // A partial run or a smoke run must not replace the full report.
        Path file = out != null ? out : only.isEmpty() && !quick ? root.resolve("docs").resolve("benchmarks.md") : null;
        StringBuilder command = new StringBuilder("bin/claude-mesh");
        for (String a : spec.commandLine().getParseResult().originalArgs()) {
            command.append(' ').append(a);
        }
        return new BenchSuite(root, quick, command.toString(), System.err, only).run(System.out, file);
    }
}
