package dev.claudemesh.cli;

import dev.claudemesh.mesh.PeerView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "peers", mixinStandardHelpOptions = true, description = "List the peers in the mesh, one per line.")
final class PeersCommand implements Callable<Integer> {
    private static final String ROW = "%-24s %-8s %-20s %s%s%n";

    @Option(names = {"-a", "--all"}, description = "Include stale and offline peers.")
    boolean all;

    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener()) {
            List<PeerView> known = m.mesh.allPeers();
            List<String> rows = new ArrayList<>();
            for (PeerView p : known) {
                String status = p.status().wire();
                if (all || status.equals("active")) {
                    String where = p.projectPath() + (p.host().equals(m.mesh.host()) ? "" : " on " + p.host());
                    rows.add(String.format(ROW, TerminalText.line(p.name()), status, p.lastSeen().toString().substring(0, 19) + "Z",
                            TerminalText.line(where), p.summary().isEmpty() ? "" : "  " + TerminalText.line(p.summary(), 80)));
                }
            }
            if (rows.isEmpty()) {
                int n = known.size();
                System.out.println(n == 0 ? "No peers: no session has joined this mesh (" + TerminalText.line(m.config.where()) + ") yet."
                        : all ? "No peers." : "No active peers; " + n + (n == 1 ? " stale or offline one" : " stale or offline ones")
                        + " (claude-mesh peers --all lists them).");
                return 0;
            }
            System.out.printf(ROW, "NAME", "STATUS", "LAST SEEN (UTC)", "PROJECT", "  SUMMARY");
            rows.forEach(System.out::print);
            return 0;
        }
    }
}
