package dev.claudemesh.cli;

import dev.claudemesh.mesh.MeshStatus;
import dev.claudemesh.mesh.PeerStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the database path, schema version, which .env applies, peers by state and what is queued for whom.")
final class StatusCommand implements Callable<Integer> {
    @Option(names = "--json", description = "One JSON object on one line (database, schema_version, env, host, peers by state, queued by peer).")
    boolean json;

    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener()) {
            MeshStatus status = m.mesh.status();
            if (json) {
                Map<String, Object> o = JsonLines.object();
                o.put("database", status.where());
                o.put("schema_version", status.schemaVersion());
                o.put("env", m.settings.dotEnvStatus());
                o.put("host", m.mesh.host());
                Map<String, Object> peers = new LinkedHashMap<>();
                for (PeerStatus s : PeerStatus.values()) {
                    peers.put(s.wire(), status.peers().getOrDefault(s, List.of()));
                }
                o.put("peers", peers);
                o.put("queued", status.waiting());
                JsonLines.print(o);
                return 0;
            }
            System.out.println("database: " + TerminalText.line(status.where()));
            System.out.println("schema:   version " + status.schemaVersion());
            System.out.println(".env:     " + TerminalText.line(m.settings.dotEnvStatus()));
            for (PeerStatus s : PeerStatus.values()) {
                List<String> names = new ArrayList<>();
                status.peers().getOrDefault(s, List.of()).forEach(n -> names.add(TerminalText.line(n)));
                System.out.printf("%-9s %d%s%n", s.wire() + ":", names.size(), names.isEmpty() ? "" : "  (" + String.join(", ", names) + ")");
            }
            int total = status.waiting().values().stream().mapToInt(Integer::intValue).sum();
            List<String> each = new ArrayList<>();
            status.waiting().forEach((who, n) -> each.add(TerminalText.line(who) + " " + n));
            System.out.println("queued:   " + total + (each.isEmpty() ? "" : "  (" + String.join(", ", each) + ")"));
            return 0;
        }
    }
}
