package dev.claudemesh.hooks;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Entry point of the hook commands Claude Code runs. Whatever happens, a hook exits 0, prints nothing on
 * stdout but one valid hook JSON document (or nothing), and leaves at most one line on stderr: a failing
 * hook must never break the user's session. The one exception is inbox-wait waking its session on purpose:
 * exit 2, the item on stderr.
 */
@Command(name = "claude-mesh-hook", mixinStandardHelpOptions = true, version = "claude-mesh hooks 0.1.0",
        description = "Claude Code hook commands for claude-mesh. Each reads the hook's JSON on stdin.",
        subcommands = {SessionStartHook.class, InboxPollHook.class, SessionEndHook.class, InboxWaitHook.class})
public final class HookMain implements Runnable {

    public static void main(String[] args) {
        PrintStream hookOut = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        // Anything a library prints goes to stderr; only our final document reaches stdout.
        System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));
        try {
            CommandLine cli = new CommandLine(new HookMain());
            cli.setOut(new java.io.PrintWriter(System.err, true));
            cli.setErr(new java.io.PrintWriter(System.err, true));
            cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
                warn(e);
                return 0;
            });
            cli.setParameterExceptionHandler((e, cmd) -> {
                System.err.println("claude-mesh hook: " + e.getMessage() + " (see --help)");
                return 0;
            });
            cli.execute(args);
            Object result = cli.getSubcommands().values().stream()
                    .map(CommandLine::getExecutionResult).filter(r -> r != null).findFirst().orElse(null);
            if (result instanceof String s && !s.isEmpty()) {
                hookOut.print(s);
                hookOut.flush();
            } else if (result instanceof Wake w) {
                // asyncRewake: exit code 2 wakes the session and shows it our stderr.
                System.err.println(w.text());
                System.err.flush();
                System.exit(2);
            }
        } catch (Throwable t) {
            warn(t);
        }
        System.exit(0);
    }

    static void warn(Throwable t) {
        String msg = t instanceof HookException || t instanceof RuntimeException && t.getMessage() != null
                ? t.getMessage() : t.toString();
        System.err.println("claude-mesh hook: " + msg.lines().findFirst().orElse(msg));
    }

    @Override
    public void run() {
        System.err.println("claude-mesh hook: name a hook command: session-start, inbox-poll, session-end or inbox-wait (see --help)");
    }
}
