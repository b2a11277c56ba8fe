package dev.claudemesh.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code claude-mesh}: the command line on the same store as the servers and hooks. */
@Command(name = "claude-mesh", mixinStandardHelpOptions = true, version = "claude-mesh 0.1.0",
        description = "claude-mesh: Claude Code sessions on one machine find each other and talk.",
        subcommands = {DemoCommand.class})
public final class CliMain implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new CliMain()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
