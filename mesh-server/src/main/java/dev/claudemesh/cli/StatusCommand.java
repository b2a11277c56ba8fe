package dev.claudemesh.cli;

import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerStatus;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show the database path, schema version, which .env applies, peers by state and what is queued for whom.")
final class StatusCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener()) {
            System.out.println("database: " + TerminalText.line(m.store.where()));
            System.out.println("schema:   version " + m.store.schemaVersion());
            System.out.println(".env:     " + TerminalText.line(m.settings.dotEnvStatus()));
            Map<PeerStatus, List<String>> byStatus = new EnumMap<>(PeerStatus.class);
            for (Peer p : m.store.peers()) {
                byStatus.computeIfAbsent(m.mesh.statusOf(p), k -> new ArrayList<>()).add(TerminalText.line(p.name()));
            }
            for (PeerStatus s : PeerStatus.values()) {
                List<String> names = byStatus.getOrDefault(s, List.of());
                System.out.printf("%-9s %d%s%n", s.wire() + ":", names.size(), names.isEmpty() ? "" : "  (" + String.join(", ", names) + ")");
            }
            Map<String, Integer> waiting = new TreeMap<>(m.store.waitingByRecipient());
            int total = waiting.values().stream().mapToInt(Integer::intValue).sum();
            List<String> each = new ArrayList<>();
            waiting.forEach((who, n) -> each.add(TerminalText.line(who) + " " + n));
            System.out.println("queued:   " + total + (each.isEmpty() ? "" : "  (" + String.join(", ", each) + ")"));
            return 0;
        }
    }
}
