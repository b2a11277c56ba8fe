package dev.claudemesh.cli;

import dev.claudemesh.mesh.AskOutcome;
import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Question;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

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
            description = "How long to wait, 1 to " + Mesh.MAX_ASK_TIMEOUT_SECONDS + " (default: ${DEFAULT-VALUE}).")
    long timeout;

    @Mixin
    SpeakerOption speaker;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (timeout < 1 || timeout > Mesh.MAX_ASK_TIMEOUT_SECONDS) {
            throw new ParameterException(spec.commandLine(), Typed.option(spec, "--timeout", "-t") + " must be between 1 and "
                    + Mesh.MAX_ASK_TIMEOUT_SECONDS + " seconds (got " + timeout + ")");
        }
        Typed.peerName(spec, peer);
        try (MeshOpener m = new MeshOpener(); ChangeWatch watch = m.mesh.watchChanges(3)) {
            boolean track = speaker.name().isEmpty();
            String self = m.speaker(speaker.name(), track, spec);
            try {
                m.recipient(peer, self, true, spec);
                Question q = m.mesh.ask(self, peer, String.join(" ", words), Duration.ofSeconds(timeout));
                // The command's own output (stdout carries only the answer), not logging.
                System.err.println("asked " + q.target() + " (" + q.id() + ") as " + self + "; waiting up to " + timeout + " s...");
                // Ctrl-C: the question is cancelled rather than left pending for its peer.
                Thread cancel = new Thread(() -> m.mesh.cancel(q));
                Runtime.getRuntime().addShutdownHook(cancel);
                // While it waits it beats like a server, so sessions on other hosts (a PostgreSQL mesh) see the
                // asker alive; on this host they check its process.
                AskOutcome r = m.mesh.awaitAnswer(q, watch, Duration.ofSeconds(m.config.heartbeatSeconds()), waited -> {
                    if (track) {
                        m.mesh.heartbeat(self);
                    }
                });
                Runtime.getRuntime().removeShutdownHook(cancel);
                if (AskOutcome.ANSWERED.equals(r.status())) {
                    System.out.println(TerminalText.lines(r.answer().orElse("")));
                    return 0;
                }
                System.err.println("claude-mesh: no answer from " + r.from() + " (" + r.status() + ": "
                        + (AskOutcome.TIMED_OUT.equals(r.status()) ? "nobody replied within " + timeout + " s"
                        : AskOutcome.PEER_OFFLINE.equals(r.status()) ? "its session ended before it replied" : "the question was withdrawn")
                        + ")");
                return CliMain.NO_ANSWER;
            } finally {
                if (track) {
                    m.leave(self);
                }
            }
        }
    }
}
