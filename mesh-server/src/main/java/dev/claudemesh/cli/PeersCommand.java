package dev.claudemesh.cli;

import dev.claudemesh.mesh.PeerView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "peers", mixinStandardHelpOptions = true, description = "List the peers in the mesh, one per line.")
final class PeersCommand implements Callable<Integer> {
    @Option(names = {"-a", "--all"}, description = "Include stale and offline peers.")
    boolean all;

    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener()) {
            for (PeerView p : m.mesh.allPeers()) {
                String status = p.status().wire();
                if (all || status.equals("active")) {
                    System.out.printf("%-24s %-8s %-20s %s%s%n", p.name(), status, p.lastSeen().toString().substring(0, 19) + "Z",
                            p.projectPath() + (p.host().equals(m.mesh.host()) ? "" : " on " + p.host()),
                            p.summary().isEmpty() ? "" : "  " + OneLine.of(p.summary(), 80));
                }
            }
            return 0;
        }
    }
}
