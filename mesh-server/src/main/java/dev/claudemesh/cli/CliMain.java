package dev.claudemesh.cli;

import dev.claudemesh.config.ConfigException;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.StoreException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code claude-mesh}: the command line on the same store as the servers and hooks, and the commands that set
 * Claude Code up (install, uninstall, doctor, init). Exit codes: 0 success, 1 the mesh refused or failed
 * (message on stderr) or doctor found a problem, 2 bad usage (no command, an unknown option, a value out of
 * range, a bad name: the message names the option or parameter as typed), 3 no answer (ask timed out or its
 * peer went offline).
 */
@Command(name = "claude-mesh", mixinStandardHelpOptions = true, version = "claude-mesh 0.1.0",
        description = "claude-mesh: Claude Code sessions on one machine find each other and talk.",
        subcommands = {StatusCommand.class, PeersCommand.class, SendCommand.class, AskCommand.class,
                TailCommand.class, ClaimsCommand.class, GcCommand.class, DemoCommand.class, InstallCommand.class, UninstallCommand.class,
                DoctorCommand.class, InitCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:the mesh refused or failed (see stderr), or doctor found a problem",
                "2:bad usage: no command, an unknown option, a value out of range, a bad name",
                "3:no answer (ask timed out, or its peer went offline)"})
public final class CliMain implements Runnable {
    static final int NO_ANSWER = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String... args) {
        CommandLine cli = new CommandLine(new CliMain());
        HelpText.install(cli);
        // bench's options belong to the suite it hands off to: pass them through instead of refusing them.
        cli.getSubcommands().get("bench").setUnmatchedOptionsArePositionalParams(true);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof MeshException || e instanceof StoreException || e instanceof ConfigException) {
                // Messages may quote what peers wrote (names, paths): never raw to the terminal.
                cmd.getErr().println("claude-mesh: " + TerminalText.line(e.getMessage()));
                return 1;
            }
            throw e;
        });
        return cli.execute(args);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command (claude-mesh --help describes each)");
    }
}
