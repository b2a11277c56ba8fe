package dev.claudemesh.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** The shell completion picocli generates from the commands themselves, so it never falls behind them. */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a bash (or zsh) completion script for claude-mesh.",
                "Try it with: source <(bin/claude-mesh completion); keep it with: bin/claude-mesh completion > "
                        + "~/.local/share/bash-completion/completions/claude-mesh"})
final class CompletionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        System.out.print(AutoComplete.bash("claude-mesh", spec.root().commandLine()));
        System.out.flush();
        return 0;
    }
}
