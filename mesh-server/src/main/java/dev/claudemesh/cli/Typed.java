package dev.claudemesh.cli;

import dev.claudemesh.identity.PeerNames;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/** Usage checks that name what the person typed, as they typed it (exit 2). */
final class Typed {
    private Typed() {
    }

    /** Which of an option's names the command line used ({@code -t} or {@code --timeout}); the first when neither. */
    static String option(CommandSpec spec, String... names) {
        for (String arg : spec.commandLine().getParseResult().originalArgs()) {
            for (String name : names) {
                if (arg.equals(name) || arg.startsWith(name + "=") || (name.length() == 2 && !name.startsWith("--")
                        && arg.startsWith(name) && !arg.startsWith("--"))) {
                    return name;
                }
            }
        }
        return names[0];
    }

    /** PEER as typed must be a valid peer name. */
    static void peerName(CommandSpec spec, String name) {
        String problem = PeerNames.problem(name);
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), "PEER: " + TerminalText.line(problem));
        }
    }
}
