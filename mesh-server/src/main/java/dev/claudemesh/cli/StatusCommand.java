package dev.claudemesh.cli;

import dev.claudemesh.mesh.MeshStatus;
import dev.claudemesh.mesh.PeerStatus;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the database path, schema version, peers by state and what is queued for whom.")
final class StatusCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener()) {
            MeshStatus status = m.mesh.status();
            System.out.println("database: " + status.where());
            System.out.println("schema:   version " + status.schemaVersion());
            for (PeerStatus s : PeerStatus.values()) {
                List<String> names = status.peers().getOrDefault(s, List.of());
                System.out.printf("%-9s %d%s%n", s.wire() + ":", names.size(), names.isEmpty() ? "" : "  (" + String.join(", ", names) + ")");
            }
            int total = status.waiting().values().stream().mapToInt(Integer::intValue).sum();
            System.out.println("queued:   " + total + (status.waiting().isEmpty() ? "" : "  " + status.waiting()));
            return 0;
        }
    }
}
