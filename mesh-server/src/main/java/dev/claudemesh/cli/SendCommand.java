package dev.claudemesh.cli;

import dev.claudemesh.mesh.Delivery;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "send", mixinStandardHelpOptions = true,
        description = "Send a one-way message to a peer (queued if it is offline).")
final class SendCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PEER", description = "The peer's name.")
    String peer;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "MESSAGE", description = "The message (words are joined with spaces).")
    List<String> words;

    @Mixin
    SpeakerOption speaker;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        Typed.peerName(spec, peer);
        try (MeshOpener m = new MeshOpener()) {
            // A message does not depend on its sender staying around, so sending records nothing of the CLI.
            String self = m.speaker(speaker.name(), false, spec);
            m.recipient(peer, self, false, spec);
            Delivery d = m.mesh.tell(self, peer, String.join(" ", words));
            System.out.println(d.id() + " " + d.status());
            return 0;
        }
    }
}
