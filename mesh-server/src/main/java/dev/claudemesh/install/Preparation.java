package dev.claudemesh.install;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.PrivateFiles;
import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.store.Stores;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * What makes the first session after install start fast, done once at install time:
 * <ul>
 *   <li>the cache directory the launchers may use ({@code ~/.claude-mesh/cache}, private);</li>
 *   <li>the database, created and migrated now, so no hook has to load Flyway on its first run;</li>
 *   <li>whatever the launcher itself caches (class data, the SQLite native library), by running
 *       {@code bin/claude-mesh-launch --prepare}. That is the launcher's one entry point for it: exit 0 when
 *       done, and a launcher without it answers "unknown kind" with exit 2, which is reported, not failed.</li>
 * </ul>
 * Every step is idempotent; none of them is needed for the mesh to work, so a failure is reported as a
 * warning and install still succeeds.
 */
public final class Preparation {
    static final String PREPARE = "--prepare";
    private static final long PREPARE_LIMIT_SECONDS = 600;

    private Preparation() {
    }

    /** CLAUDE_MESH_CACHE_DIR when set, as for the launchers; else ~/.claude-mesh/cache. */
    public static Path cacheDir(Path home) {
        String dir = System.getenv("CLAUDE_MESH_CACHE_DIR");
        return dir != null && !dir.isBlank() ? Path.of(dir) : home.resolve(".claude-mesh").resolve("cache");
    }

    /** One line per step, saying what was done (or, with {@code dryRun}, what would be). */
    public static List<String> run(Installation installation, Path home, MeshConfig config, boolean dryRun) {
        String db = config.where();
        List<String> lines = new ArrayList<>();
        Path cache = cacheDir(home);
        Path launcher = installation.launcher("claude-mesh-launch");
        if (dryRun) {
            lines.add("would create " + cache + " if missing, bring the database " + db + " to the current schema, and run "
                    + launcher + " " + PREPARE);
            return lines;
        }
        lines.add(cache(cache));
        lines.add(database(config));
        lines.addAll(launcher(launcher, home));
        return lines;
    }

    /** The cache directory, made 0700 with its parents when missing; one other users could write is not used. */
    private static String cache(Path cache) {
        try {
            boolean existed = Files.isDirectory(cache);
            PrivateFiles.createDirectories(cache);
            Optional<PrivateFiles.Problem> parent = cache.getParent() == null ? Optional.empty()
                    : PrivateFiles.problem(cache.getParent(), PrivateFiles.Kind.DIRECTORY);
            if (parent.isPresent()) {
                return "warning: the launchers will not use the cache " + cache + ": " + parent.get();
            }
            return "cache directory " + cache + ": " + (existed ? "exists" : "created");
        } catch (IOException | UnsupportedOperationException e) {
            return "warning: the launchers will not use the cache " + cache + " (" + e.getMessage() + ")";
        }
    }

    private static String database(MeshConfig config) {
        String db = config.where();
        try (MeshStore store = Stores.open(config)) {
            return "database " + db + ": schema version " + store.schemaVersion();
        } catch (RuntimeException e) {
            return "warning: the database " + db + " is not usable yet (" + e.getMessage() + "); run claude-mesh doctor";
        }
    }

    private static List<String> launcher(Path launcher, Path home) {
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), PREPARE)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("HOME", home.toString());
        try {
            Process p = pb.start();
            // Both streams drained aside, so the time limit holds even when the prepare never closes them.
            var err = new java.io.ByteArrayOutputStream();
            var stdout = new java.io.ByteArrayOutputStream();
            Thread drain = new Thread(() -> copy(p.getErrorStream(), err));
            Thread drainOut = new Thread(() -> copy(p.getInputStream(), stdout));
            drain.start();
            drainOut.start();
            // The prepare may first wait (up to five minutes) for one a launcher started in the background.
            if (!p.waitFor(PREPARE_LIMIT_SECONDS, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return List.of("warning: " + launcher + " " + PREPARE + " did not finish within " + PREPARE_LIMIT_SECONDS
                        + " s; stopped it");
            }
            drain.join(10_000);
            drainOut.join(10_000);
            String out = stdout.toString(StandardCharsets.UTF_8);
            String stderr = err.toString(StandardCharsets.UTF_8).strip();
            if (p.exitValue() == 0) {
                List<String> lines = new ArrayList<>();
                lines.add("launcher start-up caches (" + launcher.getFileName() + " " + PREPARE + "):");
                out.lines().filter(l -> !l.isBlank()).forEach(l -> lines.add("  " + l));
                return lines;
            }
            if (p.exitValue() == 2 && stderr.contains("unknown kind")) {
                return List.of("launcher start-up caches: none yet (" + launcher.getFileName() + " has no " + PREPARE
                        + " step); sessions start without them");
            }
            String last = stderr.isEmpty() ? "" : ": " + stderr.lines().reduce((a, b) -> b).orElse("");
            return List.of("warning: " + launcher + " " + PREPARE + " failed (exit " + p.exitValue() + last
                    + "); sessions still work, they only start slower");
        } catch (IOException e) {
            return List.of("warning: cannot run " + launcher + " (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return List.of("warning: interrupted while running " + launcher + " " + PREPARE);
        }
    }

    private static void copy(java.io.InputStream in, java.io.OutputStream out) {
        try (in) {
            in.transferTo(out);
        } catch (IOException ignored) {
            // the process ended
        }
    }
}
