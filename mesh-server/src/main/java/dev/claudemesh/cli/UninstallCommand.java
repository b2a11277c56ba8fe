package dev.claudemesh.cli;

import dev.claudemesh.install.UserFiles;
import dev.claudemesh.install.Installer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.concurrent.Callable;

@Command(name = "uninstall", mixinStandardHelpOptions = true,
        description = {"Remove what install added to Claude Code's configuration (the claude-mesh MCP server entry and "
                + "hooks, from any checkout) and nothing else.",
                "With --wake-only, remove only the wake hook install --with-wake added, and keep the rest.",
                "The mesh database and the FILE.claude-mesh-backup copies are left in place."})
final class UninstallCommand implements Callable<Integer> {
    @Mixin
    ScopeOption scope;

    @Option(names = "--dry-run", description = "Show the changes as a diff; write nothing.")
    boolean dryRun;

    @Option(names = "--wake-only", description = "Remove only the wake hook (claude-mesh-inbox-wait, added by "
            + "install --with-wake); the server and the other hooks stay.")
    boolean wakeOnly;

    @Override
    public Integer call() {
        Installer.Plan plan = wakeOnly ? Installer.uninstallWake(scope.scope(), UserFiles.current(), ScopeOption.project())
                : Installer.uninstall(scope.scope(), UserFiles.current(), ScopeOption.project());
        System.out.println("claude-mesh uninstall" + (wakeOnly ? " --wake-only" : "") + " (" + scope.scope() + " scope)"
                + (dryRun ? ", dry run: nothing is written" : ""));
        EditReport.print(plan, dryRun, wakeOnly ? "no wake hook in it" : "nothing of claude-mesh's in it");
        if (!dryRun) {
            System.out.println(!plan.changesAnything() ? "Nothing to remove."
                    : wakeOnly ? "Done. Sessions started from now on are no longer woken while idle; the rest of claude-mesh stays."
                    : "Done. Claude Code sessions started from now on run without claude-mesh.");
        }
        return 0;
    }
}
