package dev.claudemesh.install;

import java.nio.file.Path;
import java.util.Map;

/**
 * The home directory whose ~/.claude.json and ~/.claude/settings.json Claude Code reads. Claude Code (Node's
 * os.homedir()) takes $HOME first, while the JVM's user.home comes from the password database; so $HOME
 * wins here too. That is also how tests and sandboxes point install, uninstall and doctor at another home.
 */
public final class Home {
    private Home() {
    }

    public static Path dir() {
        return of(System.getenv(), System.getProperty("user.home"));
    }

    static Path of(Map<String, String> env, String userHome) {
        String home = env.get("HOME");
        if (home != null && !home.isBlank() && Path.of(home).isAbsolute()) {
            return Path.of(home).normalize();
        }
        return Path.of(userHome);
    }
}
