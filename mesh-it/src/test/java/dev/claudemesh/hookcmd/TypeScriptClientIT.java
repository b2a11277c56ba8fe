package dev.claudemesh.hookcmd;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.claudemesh.testing.MeshFixture;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Interoperability: an independent MCP client, the official TypeScript SDK, drives two real servers on one
 * mesh file through the whole ask/reply flow ({@code interop/two-peers.mjs}, which checks every result field
 * and exits non-zero on the first failure). Skipped, never silently passed, when Node.js or the script's
 * dependencies are missing.
 */
class TypeScriptClientIT {
    private static final long LIMIT_SECONDS = 120;

    @Test
    void typeScriptSdkClientCompletesTheWholeAskReplyFlowAcrossTwoServers() throws Exception {
        runScript("two-peers.mjs");
    }

    @Test
    void typeScriptSdkClientReceivesEachItemOnceAsAChannelEvent() throws Exception {
        runScript("channel.mjs");
    }

    private void runScript(String name) throws Exception {
        Path root = repoRoot();
        Path script = root.resolve("interop").resolve(name);
        Optional<Path> node = onPath("node");
        // CI sets MESH_REQUIRE_INTEROP=1 (after npm ci) so a broken set-up fails instead of skipping.
        boolean required = System.getenv("MESH_REQUIRE_INTEROP") != null;
        requireOrSkip(required, node.isPresent(),
                "node is not on PATH, so the TypeScript SDK interop check cannot run; install Node.js 18+ and run npm ci in interop/");
        requireOrSkip(required, Files.isDirectory(root.resolve("interop/node_modules")),
                "interop/node_modules does not exist, so the TypeScript SDK is not installed; run npm ci in interop/");

        // The scripts make their own temporary mesh file; on the PostgreSQL pass they get a database instead.
        Path scratch = Files.createTempDirectory("interop");
        MeshFixture mesh = new MeshFixture(scratch);
        ProcessBuilder pb = new ProcessBuilder(node.get().toString(), script.toString(), root.toString())
                .directory(root.toFile())
                .redirectErrorStream(true);
        pb.environment().putAll(mesh.dbEnv());
        pb.environment().remove("MESH_DB_PATH");
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            mesh.close();
            throw e;
        }
        process.getOutputStream().close();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        Thread reader = new Thread(() -> copy(process.getInputStream(), output), "two-peers-output");
        reader.setDaemon(true);
        reader.start();

        if (!process.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            reader.join(5_000);
            fail("node interop/" + name + " did not finish within " + LIMIT_SECONDS + " s; its output so far:\n" + text(output));
        }
        reader.join(10_000);
        mesh.close();
        int exit = process.exitValue();
        assertEquals(0, exit, () -> "node interop/" + name + " exited " + exit + "; its output:\n" + text(output));
    }

    private static void requireOrSkip(boolean required, boolean condition, String reason) {
        if (required && !condition) {
            fail(reason + " (MESH_REQUIRE_INTEROP is set)");
        }
        Assumptions.assumeTrue(condition, reason);
    }

    private static Path repoRoot() {
        String root = System.getProperty("mesh.repo.root");
        Path p = root != null ? Path.of(root) : Path.of("..").toAbsolutePath().normalize();
        if (!Files.isExecutable(p.resolve("bin/claude-mesh-server")) || !Files.isRegularFile(p.resolve("interop/two-peers.mjs"))) {
            throw new IllegalStateException("cannot find bin/claude-mesh-server and interop/two-peers.mjs under " + p);
        }
        return p;
    }

    /** The executable {@code name} in a PATH directory, as the shell would find it. */
    private static Optional<Path> onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        boolean windows = System.getProperty("os.name", "").toLowerCase().contains("win");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            for (String candidate : windows ? new String[]{name + ".exe", name + ".cmd", name} : new String[]{name}) {
                try {
                    Path p = Path.of(dir, candidate);
                    if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                        return Optional.of(p);
                    }
                } catch (InvalidPathException e) {
                    // a malformed PATH entry: not where node is
                }
            }
        }
        return Optional.empty();
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                synchronized (out) {
                    out.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the process was killed and its pipe closed: keep what was read so far
        }
    }

    private static String text(ByteArrayOutputStream out) {
        synchronized (out) {
            return out.toString(StandardCharsets.UTF_8);
        }
    }
}
