package dev.claudemesh.cli;

import dev.claudemesh.mesh.Task;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "delegate", mixinStandardHelpOptions = true,
        description = {"Give a peer a task (queued if it is offline). Prints the task's id and state; "
                + "claude-mesh tasks shows how it ends, and tail shows its result when it comes."})
final class DelegateCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PEER", description = "The peer's name.")
    String peer;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "TASK", description = "What to do (words are joined with spaces).")
    List<String> words;

    @Option(names = {"-c", "--context"}, paramLabel = "TEXT", description = "Background the peer needs (files, decisions, constraints).")
    String context;

    @Option(names = "--as", paramLabel = "NAME",
            description = "Delegate as NAME, which no live session may hold; its record is left as it is (default: cli@HOST, "
                    + "this machine's command line).")
    String as;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Typed.peerName(spec, peer);
        try (MeshOpener m = new MeshOpener()) {
            String self = m.speaker(Optional.ofNullable(as), false, spec);
            m.recipient(peer, self, false, spec);
            Task t = m.mesh.delegate(self, peer, String.join(" ", words), Optional.ofNullable(context));
            System.out.println(t.id() + " " + t.status().wire() + " (" + TerminalText.line(t.assignee()) + ")");
            return 0;
        }
    }
}
