package dev.claudemesh.cli;

import dev.claudemesh.mesh.AskOutcome;
import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Question;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "ask", mixinStandardHelpOptions = true,
        description = "Ask a peer a question and wait for its answer, which is printed on stdout.")
final class AskCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PEER", description = "The peer's name.")
    String peer;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "QUESTION", description = "The question (words are joined with spaces).")
    List<String> words;

    @Option(names = {"-t", "--timeout"}, paramLabel = "SECONDS", defaultValue = "" + Mesh.DEFAULT_ASK_TIMEOUT_SECONDS,
            description = "How long to wait (default: ${DEFAULT-VALUE}).")
    long timeout;

    @Option(names = "--as", paramLabel = "NAME", defaultValue = "cli", description = "Asker name (default: ${DEFAULT-VALUE}).")
    String as;

    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener(); ChangeWatch watch = m.mesh.watchChanges(3)) {
            String self = m.joinAs(as).name();
            try {
                Question q = m.mesh.ask(self, peer, String.join(" ", words), Duration.ofSeconds(timeout));
                // The command's own output (stdout carries only the answer), not logging.
                System.err.println("asked " + q.target() + " (" + q.id() + "); waiting up to " + timeout + " s...");
                // Ctrl-C: the question is cancelled rather than left pending for its peer.
                Thread cancel = new Thread(() -> m.mesh.cancel(q));
                Runtime.getRuntime().addShutdownHook(cancel);
                AskOutcome r = m.mesh.awaitAnswer(q, watch, Duration.ofDays(1), waited -> { });
                Runtime.getRuntime().removeShutdownHook(cancel);
                if (AskOutcome.ANSWERED.equals(r.status())) {
                    System.out.println(r.answer().orElse(""));
                    return 0;
                }
                System.err.println("claude-mesh: no answer from " + r.from() + ": " + r.status());
                return CliMain.NO_ANSWER;
            } finally {
                m.leave(self);
            }
        }
    }
}
