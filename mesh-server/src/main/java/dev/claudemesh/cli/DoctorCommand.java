package dev.claudemesh.cli;

import dev.claudemesh.config.Settings;
import dev.claudemesh.install.Check;
import dev.claudemesh.install.Doctor;
import dev.claudemesh.install.UserFiles;
import dev.claudemesh.install.Installation;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check everything a session needs, one line each, with a fix for each failure: Java, the database "
                + "(path, permissions, schema), the MCP server (registered, starts, answers initialize), the hooks "
                + "(registered, launchers exist), this project's name, and channels.",
                "Changes nothing. Exits 1 when a check fails."})
final class DoctorCommand implements Callable<Integer> {
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
            description = "How long the server may take to answer initialize, 1 or more (default: ${DEFAULT-VALUE}).")
    int timeout;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (timeout < 1) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(),
                    "--timeout must be 1 second or more (got " + timeout + ")");
        }
        Installation here = ScopeOption.installation();
        Path project = ScopeOption.project();
        System.out.println("claude-mesh doctor: installation " + here.root() + ", project " + project);
        List<Check> checks = new Doctor(UserFiles.current(), project, here, Settings.load(DoctorCommand.class),
                Duration.ofSeconds(timeout)).run();
        checks.forEach(c -> System.out.println(TerminalText.line(c.line())));
        long failed = checks.stream().filter(c -> !c.ok()).count();
        System.out.println(failed == 0 ? "All good." : failed + (failed == 1 ? " problem" : " problems") + " found.");
        return failed == 0 ? 0 : 1;
    }
}
