package dev.claudemesh.e2e;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the real Claude Code binary and this checkout are. The suite runs the release pinned in
 * {@code mesh-e2e/claude-code/package.json} ({@code npm ci} there installs it; CI does), or the binary
 * {@code MESH_E2E_CLAUDE} names. Without one the suite is skipped, never silently passed; with
 * {@code MESH_REQUIRE_E2E=1} (CI) a missing binary fails it.
 */
public final class ClaudeCode {
    public static final String PINNED_VERSION = "2.1.328";

    private ClaudeCode() {
    }

    public static Path repoRoot() {
        String root = System.getProperty("mesh.repo.root");
        return Path.of(root != null ? root : "..").toAbsolutePath().normalize();
    }

    public static Optional<Path> binary() {
        String named = System.getenv("MESH_E2E_CLAUDE");
        Path p = named != null && !named.isBlank() ? Path.of(named)
                : repoRoot().resolve("mesh-e2e/claude-code/node_modules/.bin/claude");
        return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
    }

    public static Path requireInstalled() {
        Optional<Path> bin = binary();
        String why = "Claude Code is not installed for the end-to-end suite; run `npm ci` in mesh-e2e/claude-code "
                + "(or set MESH_E2E_CLAUDE to a claude binary)";
        if (bin.isEmpty() && System.getenv("MESH_REQUIRE_E2E") != null) {
            throw new IllegalStateException(why + " (MESH_REQUIRE_E2E is set, so this is a failure)");
        }
        Assumptions.assumeTrue(bin.isPresent(), why);
        return bin.get();
    }

    /** The launchers' start-up cache shared by every sandbox of the run (the build directory is private enough). */
    static Path launcherCache() {
        Path p = repoRoot().resolve("mesh-e2e/target/launcher-cache");
        try {
            return Files.createDirectories(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + p, e);
        }
    }
}
