package dev.claudemesh.cli;

import dev.claudemesh.mesh.PeerView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "peers", mixinStandardHelpOptions = true, description = "List the peers in the mesh, one per line, with the host each runs on.")
final class PeersCommand implements Callable<Integer> {
    private static final String ROW = "%-24s %-8s %-20s %-16s %s%s%n";

    @Option(names = {"-a", "--all"}, description = "Include stale and offline peers.")
    boolean all;

    @Option(names = "--json", description = "One JSON object per peer per line (name, status, host, project, last_seen, summary); nothing when there is none.")
    boolean json;

    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener()) {
            List<PeerView> known = m.mesh.allPeers();
            List<PeerView> shown = new ArrayList<>();
            for (PeerView p : known) {
                if (all || p.status().wire().equals("active")) {
                    shown.add(p);
                }
            }
            if (json) {
                for (PeerView p : shown) {
                    Map<String, Object> o = JsonLines.object();
                    o.put("name", p.name());
                    o.put("status", p.status().wire());
                    o.put("host", p.host());
                    o.put("this_host", p.host().equals(m.mesh.host()));
                    o.put("project", p.projectPath());
                    o.put("last_seen", p.lastSeen());
                    o.put("summary", p.summary());
                    JsonLines.print(o);
                }
                return 0;
            }
            if (shown.isEmpty()) {
                int n = known.size();
                System.out.println(n == 0 ? "No peers: no session has joined this mesh (" + TerminalText.line(m.config.where()) + ") yet."
                        : all ? "No peers." : "No active peers; " + n + (n == 1 ? " stale or offline one" : " stale or offline ones")
                        + " (claude-mesh peers --all lists them).");
                return 0;
            }
            System.out.printf(ROW, "NAME", "STATUS", "LAST SEEN (UTC)", "HOST", "PROJECT", "  SUMMARY");
            for (PeerView p : shown) {
                System.out.printf(ROW, TerminalText.line(p.name()), p.status().wire(), p.lastSeen().toString().substring(0, 19) + "Z",
                        TerminalText.line(p.host()), TerminalText.line(p.projectPath()),
                        p.summary().isEmpty() ? "" : "  " + TerminalText.line(p.summary(), 80));
            }
            return 0;
        }
    }
}
