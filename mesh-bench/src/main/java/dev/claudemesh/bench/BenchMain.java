package dev.claudemesh.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * {@code claude-mesh bench}: the benchmark suite, against real server and hook processes of this installation
 * on temporary databases. Prints one markdown report and writes it to {@code --out}. Run from its own jar
 * ({@code mesh-bench/target/claude-mesh-bench.jar}), to which {@code bin/claude-mesh bench} hands off.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, version = "claude-mesh bench 0.1.0",
        description = {"Measure this installation: ask/reply latency, hook wall time, server start, memory, idle CPU, "
                + "throughput, scale and channel push latency, with real processes on temporary databases.",
                "Prints a markdown report (with the machine, JDK and date) and writes it to --out. Takes about "
                        + "5 minutes (--quick: under a minute). Exit 0 when every figure was measured, whether or not it met its target."})
public final class BenchMain implements Callable<Integer> {
    @Option(names = "--quick", description = "Small counts and short windows: a smoke run, not a measurement. "
            + "Its report is written only where --out says, never over docs/benchmarks.md.")
    boolean quick;

    @Option(names = "--out", paramLabel = "FILE",
            description = "Where to write the report (default: docs/benchmarks.md in this installation, for a full run of "
                    + "every group only).")
    Path out;

    @Option(names = "--only", paramLabel = "GROUP", split = ",",
            description = "Run only these groups of figures: servers, hooks, ask-reply, channel, memory, throughput, "
                    + "scale, or a figure's number (6). Repeatable or comma-separated. Such a report goes only where "
                    + "--out says: docs/benchmarks.md keeps the full one.")
    java.util.List<String> only = new java.util.ArrayList<>();

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        CommandLine cli = new CommandLine(new BenchMain()).setCommandName("claude-mesh bench");
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof BenchException) {
                cmd.getErr().println("claude-mesh bench: " + e.getMessage());
                return 1;
            }
            throw e;
        });
        System.exit(cli.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        Path root = installationRoot().orElseThrow(() -> new BenchException(
                "bench needs an installation with bin/ launchers (run it as bin/claude-mesh bench)"));
        for (String choice : only) {
            if (!BenchSuite.isGroup(choice)) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--only " + choice
                        + ": no such group; use " + String.join(", ", BenchSuite.SECTION_NAMES) + ", or a figure number such as 6");
            }
        }
        // A partial run or a smoke run must not replace the full report.
        Path file = out != null ? out : only.isEmpty() && !quick ? root.resolve("docs").resolve("benchmarks.md") : null;
        StringBuilder command = new StringBuilder("bin/claude-mesh bench");
        for (String a : spec.commandLine().getParseResult().originalArgs()) {
            command.append(' ').append(a);
        }
        // Progress lines go to stderr: they are the command's own output, as the report on stdout is.
        return new BenchSuite(root, quick, command.toString(), System.err, only).run(System.out, file);
    }

    /** The checkout this jar was built in: the nearest directory above it with the bin/ launchers. */
    static Optional<Path> installationRoot() {
        try {
            Path jar = Path.of(BenchMain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path dir = jar.getParent(); dir != null; dir = dir.getParent()) {
                if (Files.isExecutable(dir.resolve("bin").resolve("claude-mesh-server"))) {
                    return Optional.of(dir);
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through: no installation found
        }
        return Optional.empty();
    }
}
