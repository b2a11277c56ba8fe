package dev.claudemesh.cli;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.install.Installer;
import dev.claudemesh.install.UserFiles;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.PeerStatus;
import dev.claudemesh.mesh.PeerView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "uninstall", mixinStandardHelpOptions = true,
        description = {"Remove what install added to Claude Code's configuration (the claude-mesh MCP server entry and "
                + "hooks, from any checkout) and nothing else.",
                "With --wake-only, remove only the wake hook install --with-wake added, and keep the rest.",
                "The mesh database and the FILE.claude-mesh-backup copies are left in place, unless --purge removes "
                        + "them too, with the launchers' start-up cache: it lists them and asks first (or --yes)."})
final class UninstallCommand implements Callable<Integer> {
    @Mixin
    ScopeOption scope;

    @Option(names = "--dry-run", description = "Show the changes as a diff (with --purge, what it would remove); write nothing.")
    boolean dryRun;

    @Option(names = "--wake-only", description = "Remove only the wake hook (claude-mesh-inbox-wait, added by "
            + "install --with-wake); the server and the other hooks stay.")
    boolean wakeOnly;

    @Option(names = "--purge", description = "Also remove the mesh's data on this machine: the database (with every "
            + "message and question in it), the files beside it, the FILE.claude-mesh-backup copies and the start-up "
            + "cache. Refused while a session is active. A PostgreSQL mesh is left for you to drop.")
    boolean purge;

    @Option(names = {"-y", "--yes"}, description = "With --purge: remove without asking (needed when stdin is not a terminal).")
    boolean yes;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (purge && wakeOnly) {
            throw new ParameterException(spec.commandLine(), "--purge removes everything; --wake-only keeps all but the wake hook: use one");
        }
        if (yes && !purge) {
            throw new ParameterException(spec.commandLine(), Typed.option(spec, "--yes", "-y") + " answers --purge's question; "
                    + "without --purge there is nothing to ask");
        }
        Purge data = null;
        if (purge) {
            Settings settings = Settings.load(UninstallCommand.class);
            MeshConfig config = MeshConfig.from(settings);
            refuseWhileSessionsAreActive(config);
            data = Purge.plan(settings, config, UserFiles.current(), ScopeOption.project());
            if (!dryRun && !yes && System.console() == null) {
                throw new ParameterException(spec.commandLine(), "--purge deletes the mesh's data for good; on a terminal it "
                        + "asks first, elsewhere add --yes (--dry-run lists what it would remove)");
            }
        }
        Installer.Plan plan = wakeOnly ? Installer.uninstallWake(scope.scope(), UserFiles.current(), ScopeOption.project())
                : Installer.uninstall(scope.scope(), UserFiles.current(), ScopeOption.project());
        System.out.println("claude-mesh uninstall" + (wakeOnly ? " --wake-only" : "") + (purge ? " --purge" : "")
                + " (" + scope.scope() + " scope)" + (dryRun ? ", dry run: nothing is written" : ""));
        EditReport.print(plan, dryRun, wakeOnly ? "no wake hook in it" : "nothing of claude-mesh's in it");
        if (!dryRun) {
            System.out.println(!plan.changesAnything() ? (purge ? "Nothing to remove from Claude Code's configuration." : "Nothing to remove.")
                    : wakeOnly ? "Done. Sessions started from now on are no longer woken while idle; the rest of claude-mesh stays."
                    : "Done. Claude Code sessions started from now on run without claude-mesh.");
        }
        if (data != null) {
            return purge(data);
        }
        return 0;
    }

    private int purge(Purge data) throws IOException {
        data.remoteMesh.ifPresent(where -> System.out.println("The PostgreSQL mesh " + where + " is left as it is: "
                + "drop its database on its server (DROP DATABASE) if nobody else uses it."));
        if (data.isEmpty()) {
            System.out.println("No mesh data on this machine to remove.");
            return 0;
        }
        System.out.println((dryRun ? "--purge would remove:" : "--purge removes:"));
        data.files.forEach(f -> System.out.println("  " + f));
        data.dirs.stream().filter(Files::isDirectory).forEach(d -> System.out.println("  " + d + "/ (when nothing else is left in it)"));
        if (dryRun) {
            return 0;
        }
        if (!yes) {
            System.out.print("Remove these for good? [y/N] ");
            System.out.flush();
            String answer = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (answer == null || !answer.strip().toLowerCase(java.util.Locale.ROOT).matches("y|yes")) {
                System.out.println("Kept them; nothing of the mesh's data was removed.");
                return 1;
            }
        }
        data.run().forEach(System.out::println);
        System.out.println("Purged. A later install starts from an empty mesh.");
        return 0;
    }

    /** Removing the database under a live session would lose what it is doing, and its server would make a new one. */
    private static void refuseWhileSessionsAreActive(MeshConfig config) {
        if (config.dbUrl().isPresent() || !Files.isRegularFile(config.dbPath())) {
            return;
        }
        List<String> active;
        try (MeshOpener m = new MeshOpener()) {
            String cli = m.mesh.commandLineName();
            active = m.mesh.allPeers().stream().filter(p -> p.status() == PeerStatus.ACTIVE && !p.name().equals(cli))
                    .map(PeerView::name).toList();
        }
        if (!active.isEmpty()) {
            throw new MeshException("--purge refused: " + active.size() + (active.size() == 1 ? " session is" : " sessions are")
                    + " active (" + String.join(", ", active.stream().map(TerminalText::line).toList())
                    + "); end them first (claude-mesh peers lists them), then run it again");
        }
    }
}
