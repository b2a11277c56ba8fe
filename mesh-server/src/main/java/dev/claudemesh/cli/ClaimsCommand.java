package dev.claudemesh.cli;

import dev.claudemesh.mesh.Lease;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "claims", mixinStandardHelpOptions = true,
        description = "List the file leases that hold now, in every repository: who holds which paths, exclusive or shared, until when and why.")
final class ClaimsCommand implements Callable<Integer> {
    private static final String ROW = "%-16s %-20s %-9s %-20s %-30s %s%n";

    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener()) {
            List<Lease> leases = m.mesh.claims().list(java.util.Optional.empty());
            if (leases.isEmpty()) {
                System.out.println("No claims: no session holds files in this mesh (" + TerminalText.line(m.config.where()) + ").");
                return 0;
            }
            System.out.printf(ROW, "LEASE", "HOLDER", "MODE", "UNTIL (UTC)", "REPOSITORY", "PATHS: REASON");
            for (Lease l : leases) {
                System.out.printf(ROW, l.id(), TerminalText.line(l.holder()), l.exclusive() ? "exclusive" : "shared",
                        l.expiresAt().toString().substring(0, 19) + "Z", TerminalText.line(l.repo(), 30),
                        TerminalText.line(String.join(" ", l.globs()), 80) + ": " + TerminalText.line(l.reason(), 80));
            }
            return 0;
        }
    }
}
