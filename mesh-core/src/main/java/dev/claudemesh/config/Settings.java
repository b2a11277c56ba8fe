package dev.claudemesh.config;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where configuration values come from: the process environment first, then a {@code .env} file found by
 * walking up from the installed jar's own directory. Claude Code spawns our binaries from whatever project
 * the user has open, so the working directory says nothing about where the installation (and its .env) is.
 *
 * <p>The nearest {@code .env} above the jar decides. It is used only when it is owned by this user (or root)
 * and not writable by group or others ({@link PrivateFiles}): a .env can point every session at another
 * database or host name, so one that another user could have written (in a shared directory above the
 * checkout, say) is ignored, and {@link #dotEnvStatus()} says so, for doctor and status.
 */
public final class Settings {
    private final Map<String, String> env;
    private final Map<String, String> dotEnv;
    private final Path dotEnvFile;
    private final PrivateFiles.Problem ignoredDotEnv;

    Settings(Map<String, String> env, Map<String, String> dotEnv, Path dotEnvFile, PrivateFiles.Problem ignoredDotEnv) {
        this.env = Map.copyOf(env);
        this.dotEnv = Map.copyOf(dotEnv);
        this.dotEnvFile = dotEnvFile;
        this.ignoredDotEnv = ignoredDotEnv;
    }

    /** Settings for this process: its environment plus the .env above the jar that holds {@code anchor}. */
    public static Settings load(Class<?> anchor) {
        return load(System.getenv(), codeLocation(anchor));
    }

    /** The environment {@code env} plus the nearest trusted .env at or above {@code start}. */
    static Settings load(Map<String, String> env, Path start) {
        Path file = findDotEnv(start).orElse(null);
        if (file == null) {
            return new Settings(env, Map.of(), null, null);
        }
        // Written without a lambda: every hook passes here (see MeshConfig.from).
        Optional<PrivateFiles.Problem> problem = PrivateFiles.problem(file, PrivateFiles.Kind.USER_FILE);
        if (problem.isPresent()) {
            return new Settings(env, Map.of(), null, problem.get());
        }
        return new Settings(env, readDotEnv(file), file, null);
    }

    /** For tests and tools that want explicit values. */
    public static Settings of(Map<String, String> env, Map<String, String> dotEnv) {
        return new Settings(env, dotEnv, null, null);
    }

    /**
     * The value of {@code name}, trimmed; empty when blank. A variable present in the environment wins even
     * when blank, as in every dotenv tool: {@code MESH_DB_URL= bin/claude-mesh ...} uses the SQLite file for
     * one command although .env names a PostgreSQL mesh (the demo, the cache's training run and the benchmark
     * rely on it to stay off the user's mesh).
     */
    public Optional<String> get(String name) {
        String v = env.containsKey(name) ? env.get(name) : dotEnv.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    /** A variable of the process environment only, never of .env (HOME, for one, is not a .env's to change). */
    public Optional<String> environment(String name) {
        return Optional.ofNullable(env.get(name));
    }

    /** The environment this was made with, for what needs it whole (the user's home, say). */
    public Map<String, String> environment() {
        return env;
    }

    /** The .env whose values are used, when one was found and trusted. */
    public Optional<Path> dotEnvFile() {
        return Optional.ofNullable(dotEnvFile);
    }

    /** Why the nearest .env was not used, naming it, and the fix; empty when it was, or when there is none. */
    public Optional<PrivateFiles.Problem> ignoredDotEnv() {
        return Optional.ofNullable(ignoredDotEnv);
    }

    /** Which .env applies, in words, for doctor and status. */
    public String dotEnvStatus() {
        if (dotEnvFile != null) {
            return dotEnvFile.toString();
        }
        if (ignoredDotEnv != null) {
            return "none used: ignored " + ignoredDotEnv.what() + "; " + ignoredDotEnv.fix();
        }
        return "none (no .env above the installation; the environment and defaults apply)";
    }

    static Path codeLocation(Class<?> anchor) {
        try {
            var source = anchor.getProtectionDomain().getCodeSource();
            return source == null ? null : Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    static Optional<Path> findDotEnv(Path start) {
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve(".env");
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** KEY=VALUE lines; '#' comments, optional 'export ', optional single or double quotes around the value. */
    static Map<String, String> readDotEnv(Path file) {
        Map<String, String> values = new LinkedHashMap<>();
        try {
            for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                if (line.startsWith("export ")) {
                    line = line.substring(7).strip();
                }
                int eq = line.indexOf('=');
                if (eq <= 0) {
                    continue;
                }
                String key = line.substring(0, eq).strip();
                String value = line.substring(eq + 1).strip();
                if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                        || value.startsWith("'") && value.endsWith("'"))) {
                    value = value.substring(1, value.length() - 1);
                }
                values.put(key, value);
            }
        } catch (IOException e) {
            // An unreadable .env is the same as none: the environment still applies.
        }
        return values;
    }
}
