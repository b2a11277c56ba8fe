package dev.claudemesh.cli;

import dev.claudemesh.testing.MeshCli;
import dev.claudemesh.testing.MeshFixture;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code .ci/pg-cluster}, run as a person trying a PostgreSQL mesh would: its help is help, and {@code try}
 * gives a mesh the command line uses through the MESH_DB_URL it prints.
 */
@org.junit.jupiter.api.Tag("sqlite-only") // it makes its own PostgreSQL; one pass is enough
class PgClusterIT {
    private static final Path SCRIPT = MeshFixture.repoRoot().resolve(".ci/pg-cluster");

    @TempDir
    Path tmp;

    record Result(int exit, String out, String err) {
    }

    private Result run(String... args) throws Exception {
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        List<String> cmd = new java.util.ArrayList<>(List.of(SCRIPT.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "pg-cluster " + String.join(" ", args) + " did not finish");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void helpPrintsTheUsageAndNoArgumentsIsBadUsage() throws Exception {
        Result help = run("--help");
        Result none = run();
        Result unknown = run("begin", "x");

        assertEquals(0, help.exit(), help.err());
        assertTrue(help.out().startsWith("Usage: .ci/pg-cluster start|try|stop DIR"), help.out());
        assertTrue(help.out().contains("MESH_DB_URL"), help.out());
        assertEquals("", help.err());
        assertEquals(2, none.exit());
        assertTrue(none.err().startsWith("Usage: "), none.err());
        assertFalse(none.err().contains("unbound variable") || none.err().contains("parameter null"), none.err());
        assertEquals(2, unknown.exit());
        assertTrue(unknown.err().contains("unknown command 'begin'"), unknown.err());
    }

    @Test
    void tryGivesAMeshTheCommandLineUsesThroughThePrintedUrl() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("/usr/lib/postgresql")), "PostgreSQL's server is not installed");
        // As root the cluster runs as 'postgres', which cannot reach into the test's private temporary directory.
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "pg-try-");
        dir.toFile().setReadable(true, false);
        dir.toFile().setExecutable(true, false);
        Path cluster = dir.resolve("cluster");
        try {
            Result r = run("try", cluster.toString());
            assertEquals(0, r.exit(), r.err());
            Matcher m = Pattern.compile("export MESH_DB_URL='(jdbc:postgresql://127\\.0\\.0\\.1:(\\d+)/mesh\\?[^']+)'\n").matcher(r.out());
            assertTrue(m.matches(), "one line to eval on stdout: " + r.out());
            assertEquals(m.group(1), Files.readString(cluster.resolve("mesh-db-url")).strip());

            Path home = Files.createDirectories(tmp.resolve("home"));
            MeshCli.Run status = MeshCli.run(tmp, Map.of("HOME", home.toString(), "MESH_DB_URL", m.group(1)), "status");
            assertEquals(0, status.exit(), status.toString());
            assertTrue(status.out().startsWith("database: postgresql://127.0.0.1:" + m.group(2) + "/mesh\n"), status.out());
            assertFalse(status.out().contains("password"), "the URL is shown without its password: " + status.out());
        } finally {
            run("stop", cluster.toString());
            new ProcessBuilder("rm", "-rf", dir.toString()).start().waitFor(60, TimeUnit.SECONDS);
        }
    }
}
