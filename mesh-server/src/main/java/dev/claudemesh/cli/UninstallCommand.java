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
                "The mesh database and the FILE.claude-mesh-backup copies are left in place."})
final class UninstallCommand implements Callable<Integer> {
    @Mixin
    ScopeOption scope;

    @Option(names = "--dry-run", description = "Show the changes as a diff; write nothing.")
    boolean dryRun;

    @Override
    public Integer call() {
        Installer.Plan plan = Installer.uninstall(scope.scope(), UserFiles.current(), ScopeOption.project());
        System.out.println("claude-mesh uninstall (" + scope.scope() + " scope)" + (dryRun ? ", dry run: nothing is written" : ""));
        EditReport.print(plan, dryRun, "nothing of claude-mesh's in it");
        if (!dryRun) {
            System.out.println(plan.changesAnything()
                    ? "Done. Claude Code sessions started from now on run without claude-mesh."
                    : "Nothing to remove.");
        }
        return 0;
    }
}
