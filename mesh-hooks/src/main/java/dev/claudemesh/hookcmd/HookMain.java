package dev.claudemesh.hookcmd;

import dev.claudemesh.hook.HookException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

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
            if (args.length == 1 && args[0].equals("--train")) {
                Training.run();
                System.exit(0);
            }
            Callable<?> direct = args.length == 1 ? direct(args[0]) : null;
            if (direct != null) {
                // The launchers' everyday call: run the command without building picocli's model. picocli's
                // classes predate class-data sharing (Java 5 bytecode), so loading them costs every hook
                // tens of milliseconds; they are loaded only for --help, --version and mistakes.
                emit(hookOut, call(direct));
                System.exit(0);
            }
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
            emit(hookOut, result);
        } catch (Throwable t) {
            warn(t);
        }
        System.exit(0);
    }

    static Callable<?> direct(String command) {
        return switch (command) {
            case "session-start" -> new SessionStartHook();
            case "inbox-poll" -> new InboxPollHook();
            case "session-end" -> new SessionEndHook();
            case "inbox-wait" -> new InboxWaitHook();
            default -> null;
        };
    }

    private static Object call(Callable<?> command) {
        try {
            return command.call();
        } catch (Throwable t) {
            warn(t);
            return null;
        }
    }

    /** Writes a hook's result: a JSON document on stdout, or for a wake, the text on stderr and exit code 2. */
    private static void emit(PrintStream hookOut, Object result) {
        if (result instanceof String s) {
            if (!s.isEmpty()) {
                hookOut.print(s);
                hookOut.flush();
            }
        } else if (result instanceof Wake w) { // not looked at otherwise: loading Wake would open the jar
            // asyncRewake: exit code 2 wakes the session and shows it our stderr.
            System.err.println(w.text());
            System.err.flush();
            System.exit(2);
        }
    }

    /**
     * The hook's one stderr line. Output, not logging: Claude Code shows it to the user, so it goes to stderr as
     * it is, and slf4j is not loaded for it (a hook answered by its server never loads it at all).
     */
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
