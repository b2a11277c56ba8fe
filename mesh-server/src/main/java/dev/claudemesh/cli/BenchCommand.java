package dev.claudemesh.cli;

import dev.claudemesh.install.Installation;
import dev.claudemesh.mesh.MeshException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code claude-mesh bench}: hands off to the benchmark suite's own jar (mesh-bench), through its launcher, with
 * every argument as given; none of the suite ships in this jar. Its options and help are the suite's
 * ({@code claude-mesh bench --help}).
 */
@Command(name = "bench", description = {"Measure this installation: ask/reply latency, hook wall time, server start, "
        + "memory, idle CPU, throughput, scale and channel push latency, with real processes on temporary databases.",
        "Options: --quick, --out FILE, --only GROUP (see claude-mesh bench --help)."})
final class BenchCommand implements Callable<Integer> {
    /** Everything after {@code bench}, options included (CliMain lets unknown options through as these). */
    @Parameters(paramLabel = "ARGS", arity = "0..*", description = "Passed to the suite as they are.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        Installation here = Installation.current().orElseThrow(() -> new MeshException(
                "bench needs an installation with bin/ launchers (run it as bin/claude-mesh bench)"));
        List<String> command = new ArrayList<>(List.of(here.launcher("claude-mesh-launch").toString(), "bench"));
        command.addAll(args);
        Process suite = new ProcessBuilder(command).inheritIO().start();
        try {
            return suite.waitFor();
        } catch (InterruptedException e) {
            suite.destroy();
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
