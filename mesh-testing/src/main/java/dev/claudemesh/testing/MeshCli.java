package dev.claudemesh.testing;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code bin/claude-mesh} (or another checkout's launcher) as a user would: a new process in a chosen
 * directory, with a chosen environment on top of a cleaned one (no project or channel settings leak in from
 * the environment the tests run in). Output goes to files, so nothing blocks on a full pipe.
 */
public final class MeshCli {
    public static final Path LAUNCHER_CACHE = MeshFixture.repoRoot().resolve("mesh-server/target/it-launcher-cache");

    private MeshCli() {
    }

    public record Run(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }

        public List<String> outLines() {
            return out.lines().toList();
        }
    }

    /**
     * A copy of this checkout's installation (its bin/ and built jars; a symlinked jar would lead back here) in
     * {@code dir}: a second or moved checkout, or one with a .env of its own, which in the real checkout would
     * apply to every other test. Run it with CLAUDE_MESH_NO_CACHE=1, or its launchers build a start-up cache
     * of their own.
     */
    public static Path copyInstallation(Path dir) throws java.io.IOException {
        Path root = MeshFixture.repoRoot();
        Files.createDirectories(dir.resolve("bin"));
        try (var launchers = Files.list(root.resolve("bin"))) {
            for (Path f : launchers.toList()) {
                Files.copy(f, dir.resolve("bin").resolve(f.getFileName()), java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
        for (String jar : List.of("mesh-server/target/claude-mesh-server.jar", "mesh-hooks/target/claude-mesh-hooks.jar")) {
            Path from = root.resolve(jar);
            if (Files.exists(from)) {
                Files.createDirectories(dir.resolve(jar).getParent());
                Files.copy(from, dir.resolve(jar));
            }
        }
        return dir;
    }

    public static Run run(Path cwd, Map<String, String> env, String... args) throws Exception {
        return runLauncher(MeshFixture.bin("claude-mesh"), cwd, env, args);
    }

    public static Run runLauncher(Path launcher, Path cwd, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher.toString());
        cmd.addAll(Arrays.asList(args));
        Path out = Files.createTempFile("claude-mesh-cli", ".out");
        Path err = Files.createTempFile("claude-mesh-cli", ".err");
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            for (String v : List.of("CLAUDE_MESH_PROJECT_PATH", "CLAUDE_PROJECT_DIR", "CLAUDE_CONFIG_DIR", "MESH_CHANNEL", "MESH_DB_PATH", "MESH_DB_URL")) {
                pb.environment().remove(v);
            }
            // Tests give each run a HOME of its own; the launchers' start-up cache (kept under HOME by default)
            // is shared instead, so it is built once per build rather than once per test.
            pb.environment().put("CLAUDE_MESH_CACHE_DIR", LAUNCHER_CACHE.toString());
            // install --hooks=auto asks Claude Code its version: none here unless a test gives one, so a Claude Code
            // on this machine's PATH does not change what install writes.
            pb.environment().put("CLAUDE_MESH_CLAUDE", "/nonexistent/claude");
            MeshFixture.putEnv(pb, env); // a null value removes a variable
            Process p = pb.start();
            if (!p.waitFor(180, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError(cmd + " did not finish within 180 s; stdout so far:\n" + Files.readString(out));
            }
            return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
