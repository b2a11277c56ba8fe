package dev.claudemesh.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * The user's home: {@code $HOME}, as Claude Code (Node's os.homedir()) and the launchers take it, for the
 * default database, {@code ~} in paths, the start-up cache and Claude Code's own files. Java's user.home comes
 * from the password database instead, so a session, sandbox or test with another HOME would otherwise meet
 * the real mesh; it is never used. Without a usable HOME there is no private place to fall back to (a shared
 * directory such as /tmp lets other users plant files the mesh would trust), so it is an error.
 */
public final class Home {
    public static final String VARIABLE = "HOME";

    private Home() {
    }

    /** This process's home, from its environment; {@code neededFor} says what for, in the error. */
    public static Path dir(String neededFor) {
        return of(System.getenv(), neededFor);
    }

    /**
     * {@code $HOME} from {@code env}: set, not blank, absolute; otherwise a ConfigException naming what needed
     * it ({@code neededFor}, such as "the mesh database ~/.claude-mesh/mesh.db") and what to do.
     */
    public static Path of(Map<String, String> env, String neededFor) {
        String home = env.get(VARIABLE);
        if (home == null || home.isBlank()) {
            throw new ConfigException("HOME is not set, so " + neededFor + " has no home, and claude-mesh never falls "
                    + "back to a shared directory; set HOME to your home directory");
        }
        Path p = Path.of(home);
        if (!p.isAbsolute()) {
            throw new ConfigException("HOME is '" + home + "', not an absolute path, so " + neededFor
                    + " has no home; set HOME to your home directory");
        }
        return p.normalize();
    }
}
