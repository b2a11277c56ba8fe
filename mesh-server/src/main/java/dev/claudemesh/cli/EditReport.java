package dev.claudemesh.cli;

import dev.claudemesh.install.FileEdit;
import dev.claudemesh.install.Installer;

/** Prints a plan: per file, what changed (or the diff, for a dry run), and where the backup is. */
final class EditReport {
    private EditReport() {
    }

    static void print(Installer.Plan plan, boolean dryRun, String unchanged) {
        for (FileEdit e : plan.edits()) {
            if (!e.changed()) {
                System.out.println(e.path() + ": " + (e.before() == null ? "no such file" : unchanged));
                continue;
            }
            if (dryRun) {
                System.out.print(e.diff());
                continue;
            }
            boolean backedUp = e.apply();
            String what = e.before() == null ? " (new file)" : e.after() == null ? " (removed: claude-mesh had created it and it is empty now)" : "";
            System.out.println(e.path() + what + ":");
            e.changes().forEach(c -> System.out.println("  " + c));
            if (backedUp) {
                System.out.println("  previous content saved as " + e.backup());
            }
            if (!e.keepsLayout() && e.after() != null) {
                System.out.println("  note: its layout could not be kept exactly; other lines may be re-indented (same content)");
            }
        }
    }
}
