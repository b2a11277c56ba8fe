package dev.claudemesh.cli;

import dev.claudemesh.mesh.MeshStatus;
import dev.claudemesh.mesh.PeerStatus;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the database path, schema version, which .env applies, peers by state and what is queued for whom.")
final class StatusCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener()) {
            MeshStatus status = m.mesh.status();
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
