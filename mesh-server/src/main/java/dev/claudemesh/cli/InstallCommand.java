package dev.claudemesh.cli;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.config.Home;
import dev.claudemesh.install.UserFiles;
import dev.claudemesh.install.Installation;
import dev.claudemesh.install.HookKind;
import dev.claudemesh.install.Installer;
import dev.claudemesh.install.Preparation;
import dev.claudemesh.config.ChannelMode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "install", mixinStandardHelpOptions = true,
        description = {"Register this installation with Claude Code: the MCP server (mcpServers.claude-mesh in ~/.claude.json, "
                + "or .mcp.json with --scope project) and the hooks (in ~/.claude/settings.json, or .claude/settings.json).",
                "Every other key is kept as it was; each file is backed up to FILE.claude-mesh-backup before its first change. "
                        + "Running it again changes nothing; after moving this checkout it updates its entries in place."})
final class InstallCommand implements Callable<Integer> {
    @Mixin
    ScopeOption scope;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--dry-run", description = "Show the changes as a diff; write nothing.")
    boolean dryRun;

    @Option(names = "--with-wake", description = "Also add the Stop hook that waits in the background and wakes an idle "
            + "session when a peer writes to it (claude-mesh-inbox-wait, async with asyncRewake). It stays through later "
            + "installs; uninstall --wake-only removes it alone.")
    boolean withWake;

    @Option(names = "--with-channels", description = "Print how to start Claude Code so items arrive as channel events. "
            + "No file changes: the server turns channels on by itself when Claude Code is started that way.")
    boolean withChannels;

    @Option(names = "--hooks", paramLabel = "auto|mcp|command", defaultValue = "auto",
            description = "Which hooks deliver items. mcp: UserPromptSubmit, PostToolUse (delivery at every tool call) and "
                    + "Stop are mcp_tool hooks answered by the session's own server, so no process starts (Claude Code "
                    + "2.1.118+); command: each runs claude-mesh-inbox-poll (any Claude Code; no PostToolUse). "
                    + "auto (the default): mcp when `claude --version` says 2.1.118 or later, else command.")
    String hooks;

    @Override
    public Integer call() {
        Installation installation = ScopeOption.installation();
        UserFiles files = UserFiles.current();
        Path home = Home.dir("the start-up cache (~/.claude-mesh/cache)");
        // A configuration every session would refuse stops install before it writes anything.
        MeshConfig config = MeshConfig.from(Settings.load(InstallCommand.class));
        HookKind.Choice kind = switch (hooks.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "auto" -> HookKind.detect(System.getenv().getOrDefault(HookKind.CLAUDE_COMMAND, "claude"));
            case "mcp" -> new HookKind.Choice(HookKind.MCP, "--hooks=mcp: prompt, tool-use and stop hooks answered by the session's server");
            case "command" -> new HookKind.Choice(HookKind.COMMAND, "--hooks=command: every hook a command");
            default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--hooks must be auto, mcp or command, not '" + hooks + "'");
        };
        Installer.Plan plan = Installer.install(scope.scope(), files, ScopeOption.project(), installation, withWake, kind.kind());
        System.out.println("claude-mesh install (" + scope.scope() + " scope) of " + installation.root()
                + (dryRun ? ", dry run: nothing is written" : ""));
        System.out.println("hooks: " + kind.why());
        EditReport.print(plan, dryRun, "unchanged");
        Preparation.run(installation, home, config, dryRun).forEach(System.out::println);
        if (withChannels) {
            System.out.println("channels: start Claude Code as   " + ChannelMode.launchCommand("claude-mesh"));
            System.out.println("  so peers' items arrive at once as <channel> events; the server notices the flag itself "
                    + "(MESH_CHANNEL=auto), so nothing else changes (doctor shows whether MESH_CHANNEL forces it on or off).");
        }
        if (dryRun) {
            return 0;
        }
        if (plan.changesAnything()) {
            System.out.println("Done. New Claude Code sessions load claude-mesh (restart running ones); check with: "
                    + installation.launcher("claude-mesh") + " doctor");
        } else {
            System.out.println("Nothing to change: claude-mesh is already installed from " + installation.root() + ".");
        }
        return 0;
    }
}
