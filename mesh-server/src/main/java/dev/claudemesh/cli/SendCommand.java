package dev.claudemesh.cli;

import dev.claudemesh.mesh.Delivery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "send", mixinStandardHelpOptions = true,
        description = "Send a one-way message to a peer (queued if it is offline).")
final class SendCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PEER", description = "The peer's name.")
    String peer;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "MESSAGE", description = "The message (words are joined with spaces).")
    List<String> words;

    @Option(names = "--as", paramLabel = "NAME", defaultValue = "cli", description = "Sender name (default: ${DEFAULT-VALUE}).")
    String as;

    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener()) {
            String self = m.joinAs(as).name();
            try {
                Delivery d = m.mesh.tell(self, peer, String.join(" ", words));
                System.out.println(d.id() + " " + d.status());
                return 0;
            } finally {
                m.leave(self);
            }
        }
    }
}
