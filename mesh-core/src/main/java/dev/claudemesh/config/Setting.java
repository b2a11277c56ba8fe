package dev.claudemesh.config;

import java.util.List;
import java.util.Optional;

/**
 * One setting claude-mesh reads, and {@link #ALL}, the one list of them: the configuration table in
 * docs/configuration.md is generated from it ({@link #markdownTable}), a test holds {@code .env.example} to it,
 * and doctor names any other key a {@code .env} holds.
 *
 * @param name        the variable
 * @param defaultText the default, as a person reads it ({@code —} for none)
 * @param example     the value {@code .env.example} shows for it (commented out), or empty when it is not there
 * @param meaning     what it does, in a sentence of Markdown
 * @param envOnly     read from the process environment only, never from {@code .env}
 */
public record Setting(String name, String defaultText, Optional<String> example, String meaning, boolean envOnly) {

    private static Setting file(String name, String defaultText, String example, String meaning) {
        return new Setting(name, defaultText, Optional.ofNullable(example), meaning, false);
    }

    private static Setting envOnly(String name, String defaultText, String example, String meaning) {
        return new Setting(name, defaultText, Optional.ofNullable(example), meaning, true);
    }

    public static final List<Setting> ALL = List.of(
            file(MeshConfig.DB_PATH, "`~/.claude-mesh/mesh.db`", "~/.claude-mesh/mesh.db",
                    "the shared database (directory created 0700, file 0600; see \"Files and other users\" in docs/configuration.md); a leading `~` is `$HOME`"),
            file(MeshConfig.DB_URL, "—", "jdbc:postgresql://db.internal:5432/mesh?user=mesh&sslmode=verify-full",
                    "a PostgreSQL mesh instead of the file: `jdbc:postgresql://host:5432/db?user=...` (see docs/postgresql.md; "
                            + "to try one locally, `.ci/pg-cluster try`)"),
            file(MeshConfig.HEARTBEAT_SECONDS, "`" + MeshConfig.DEFAULT_HEARTBEAT_SECONDS + "`", "" + MeshConfig.DEFAULT_HEARTBEAT_SECONDS,
                    "how often a server records that it is alive, in seconds"),
            file(MeshConfig.HEARTBEAT_GRACE_SECONDS, "`" + MeshConfig.DEFAULT_HEARTBEAT_GRACE_SECONDS + "`",
                    "" + MeshConfig.DEFAULT_HEARTBEAT_GRACE_SECONDS,
                    "how long past that a peer on another host still counts as online, in seconds (peers on this host are judged by their process)"),
            file(MeshConfig.PROJECT_PATH, "`CLAUDE_PROJECT_DIR`, else the hook's `cwd`, else the working directory", "/path/to/project",
                    "the project, which decides the default peer name (the directory's name, or `name` in `<project>/.claude-mesh.json`)"),
            file(MeshConfig.CLAUDE_PROJECT_DIR, "set by Claude Code", null,
                    "Claude Code's own: the project of the session, used when `CLAUDE_MESH_PROJECT_PATH` is not set"),
            file(MeshConfig.MAX_MESSAGE_CHARS, "`" + MeshConfig.DEFAULT_MAX_MESSAGE_CHARS + "`", "" + MeshConfig.DEFAULT_MAX_MESSAGE_CHARS,
                    "the longest question, answer, message, task or result accepted, in characters"),
            file(MeshConfig.HOST_NAME, "the `HOSTNAME` variable, else the OS host name", "",
                    "the name this machine goes by in the mesh (process ids are checked only for peers on the same host)"),
            file(MeshConfig.CHANNEL, "`auto`", "auto",
                    "push items as channel events: `on`, `off`, or `auto` (when Claude Code was launched with the "
                            + "development-channels flag naming this server, or `--channels`)"),
            file(MeshConfig.SERVER_NAME, "`" + MeshConfig.DEFAULT_SERVER_NAME + "`", MeshConfig.DEFAULT_SERVER_NAME,
                    "the name the server has in your MCP configuration, for `MESH_CHANNEL=auto`"),
            file(LeaseSettings.DECISION, "`deny`", "deny",
                    "an edit of a file another session holds exclusively is refused (`deny`) or Claude Code asks you (`ask`) "
                            + "(see \"File leases\" in docs/tools.md)"),
            file(LeaseSettings.AUTO_SECONDS, "`0`", "0",
                    "when above 0, a session's first edit of a file takes a shared lease of it for that many seconds, so "
                            + "others are warned; 0 is off"),
            file("MESH_TOOL_USE_ITEMS", "`questions`", "questions",
                    "what the PostToolUse hook (`mcp_tool` hooks, Claude Code 2.1.118+) brings after each tool call: `questions` (questions "
                            + "and tasks, which someone waits on), `all` (messages, answers and broadcasts too), `off` (nothing; "
                            + "items wait for the next prompt or stop)"),
            file(MeshConfig.WAIT_SECONDS, "`" + MeshConfig.DEFAULT_WAIT_SECONDS + "`", "" + MeshConfig.DEFAULT_WAIT_SECONDS,
                    "how long the `inbox-wait` hook waits for an item before exiting quietly, in seconds (keep it below "
                            + "the hook's timeout, 600 by default)"),
            envOnly("CLAUDE_MESH_JAVA_OPTS", "—", "", "extra JVM options for every launcher (`bin/*`), e.g. a heap limit"),
            envOnly("CLAUDE_MESH_CACHE_DIR", "`~/.claude-mesh/cache` (none without `HOME`)", "~/.claude-mesh/cache",
                    "the launchers' start-up cache (class-data archives, SQLite's native library): an absolute path; "
                            + "it, its parent and each entry are used only when yours and not writable by others"),
            envOnly("CLAUDE_MESH_CLAUDE", "`claude` on the PATH", null,
                    "the Claude Code command `install --hooks=auto` asks for its version"),
            envOnly("CLAUDE_MESH_NO_CACHE", "—", "1", "when set, the launchers run without their start-up cache"),
            envOnly("CLAUDE_MESH_HOOK_TRACE", "—", "1",
                    "when set, `inbox-poll` says on stderr whether its session's server answered it or it read the database, and why"),
            envOnly(Home.VARIABLE, "—", null,
                    "your home, as Claude Code takes it: `~/.claude-mesh` (database, cache) and, for `install`, `uninstall` "
                            + "and `doctor`, `~/.claude.json` and `~/.claude/`; never Java's `user.home`. Without it the server "
                            + "and CLI stop with a message, hooks exit 0 with one line, launchers run without a cache"),
            envOnly("CLAUDE_CONFIG_DIR", "—", null,
                    "Claude Code's own: when set, its user-scope `.claude.json` and `settings.json` are in that directory, "
                            + "and `install`, `uninstall` and `doctor` use them there"));

    /** The setting called {@code name}, if claude-mesh has one. */
    public static Optional<Setting> named(String name) {
        for (Setting s : ALL) {
            if (s.name().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The setting whose name is nearest {@code name} (a typo: at most two letters off), if one is. */
    public static Optional<String> closest(String name) {
        String best = null;
        int bestDistance = 3;
        for (Setting s : ALL) {
            int d = distance(name.toUpperCase(java.util.Locale.ROOT), s.name());
            if (d < bestDistance) {
                best = s.name();
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Edits (insert, delete, replace) from {@code a} to {@code b}. */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int replace = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(replace, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** The configuration table, one row per setting, as docs/configuration.md holds it. */
    public static String markdownTable() {
        StringBuilder out = new StringBuilder("| variable | default | meaning | in `.env` |\n| --- | --- | --- | --- |\n");
        for (Setting s : ALL) {
            out.append("| `").append(s.name()).append("` | ").append(s.defaultText()).append(" | ").append(s.meaning())
                    .append(" | ").append(s.envOnly() ? "no: environment only" : "yes").append(" |\n");
        }
        return out.toString();
    }
}
