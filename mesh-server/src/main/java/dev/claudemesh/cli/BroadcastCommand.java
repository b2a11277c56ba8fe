package dev.claudemesh.cli;

import dev.claudemesh.mesh.Delivery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "broadcast", mixinStandardHelpOptions = true,
        description = {"Send a message to every active peer, or with --topic to the topic's subscribers (online or not: "
                + "it waits for those offline).", "Prints the broadcast's id, sent or queued, and how many it went to."})
final class BroadcastCommand implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "MESSAGE", description = "The message (words are joined with spaces).")
    List<String> words;

    @Option(names = {"-t", "--topic"}, paramLabel = "TOPIC",
            description = "Only to the peers subscribed to TOPIC (1 to 64 letters, digits, '.', '_' or '-').")
    String topic;

    @Option(names = "--as", paramLabel = "NAME",
            description = "Send as NAME, which no live session may hold; its record is left as it is (default: cli@HOST, "
                    + "this machine's command line).")
    String as;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (topic != null && !topic.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), Typed.option(spec, "--topic", "-t")
                    + ": '" + TerminalText.line(topic) + "' is not a topic; use 1 to 64 letters, digits, '.', '_' or '-'");
        }
        try (MeshOpener m = new MeshOpener()) {
            String self = m.speaker(Optional.ofNullable(as), false, spec);
            Delivery d = m.mesh.broadcast(self, String.join(" ", words), Optional.ofNullable(topic));
            int n = d.recipients().size();
            System.out.println(d.id() + " " + d.status() + " to " + n + (n == 1 ? " peer" : " peers")
                    + (topic == null ? "" : " subscribed to " + topic));
            return 0;
        }
    }
}
