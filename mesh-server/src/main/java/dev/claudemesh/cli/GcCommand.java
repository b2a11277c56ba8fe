package dev.claudemesh.cli;

import dev.claudemesh.mesh.GcReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "gc", mixinStandardHelpOptions = true,
        description = "Reap peers whose processes are gone, close questions nobody waits for, and prune delivered history "
                + "older than --keep-days. Mail still waiting for a name is never removed.")
final class GcCommand implements Callable<Integer> {
    @Option(names = "--keep-days", paramLabel = "DAYS", defaultValue = "7",
            description = "Keep delivered history this many days (default: ${DEFAULT-VALUE}); 0 prunes all of it.")
    int keepDays;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (keepDays < 0) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--keep-days must be 0 or more");
        }
        try (MeshOpener m = new MeshOpener()) {
            GcReport h = m.mesh.gc(Optional.of(Duration.ofDays(keepDays)));
            System.out.println("peers reaped:        " + h.peersReaped().size() + (h.peersReaped().isEmpty() ? "" : "  " + TerminalText.line(h.peersReaped().toString())));
            System.out.println("questions expired:   " + h.questionsExpired());
            System.out.println("questions abandoned: " + h.questionsAbandoned());
            System.out.println("history rows pruned: " + h.historyRowsPruned());
            System.out.println("offline peers gone:  " + h.peersDeleted());
            return 0;
        }
    }
}
