package dev.claudemesh.install;

import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A launcher as it appears in a hook's {@code command}, which Claude Code runs through a shell: an absolute
 * path, single-quoted when it holds anything a shell would split or expand. Ours are recognised by their
 * file name under a {@code bin/} directory, wherever that is, so entries of a moved checkout are found.
 */
final class LauncherCommand {
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./+,:@%=-]+");
    private static final Pattern OURS = Pattern.compile("(?:^|/)bin/(claude-mesh-[a-z-]+)$");

    private LauncherCommand() {
    }

    static String of(Path launcher) {
        String s = launcher.toString();
        return PLAIN.matcher(s).matches() ? s : "'" + s.replace("'", "'\\''") + "'";
    }

    /** The path a command runs, with one level of shell quoting taken off. */
    static String path(String command) {
        String c = command.strip();
        if (c.length() >= 2 && c.startsWith("'") && c.endsWith("'")) {
            return c.substring(1, c.length() - 1).replace("'\\''", "'");
        }
        if (c.length() >= 2 && c.startsWith("\"") && c.endsWith("\"")) {
            return c.substring(1, c.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        return c;
    }

    /** The claude-mesh launcher a command runs ({@code claude-mesh-inbox-poll}, say), if it runs one. */
    static Optional<String> launcherName(String command) {
        Matcher m = OURS.matcher(path(command));
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }
}
