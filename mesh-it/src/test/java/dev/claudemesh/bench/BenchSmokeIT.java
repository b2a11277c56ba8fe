package dev.claudemesh.bench;

import dev.claudemesh.testing.MeshFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code bin/claude-mesh bench --quick} runs to the end on this build and reports every figure. A smoke test:
 * it asserts nothing about the timings (benchmarks are not tests), only that each figure was measured and
 * the report has its header and every row. It goes through bin/claude-mesh, so the CLI's hand-off to the
 * suite's own jar is tested too.
 */
// The benchmark makes its own meshes; it does not read the test backend.
@org.junit.jupiter.api.Tag("sqlite-only")
class BenchSmokeIT {
    static final List<String> ROWS = List.of("1a", "1b", "2a", "2b", "2c", "2d", "2e", "2f", "2g", "2h", "3", "4a", "4b", "5",
            "6a", "6b", "6c", "7a", "7b", "8a", "8b");

    @TempDir
    Path tmp;

    /** The full report of the last real run, tracked in git: a smoke run must never replace it. */
    static final Path TRACKED = MeshFixture.repoRoot().resolve("docs/benchmarks.md");

    @Test
    void quickRunMeasuresEveryFigureAndNeverOverwritesTheTrackedReport() throws Exception {
        byte[] tracked = Files.readAllBytes(TRACKED);
        FileTime trackedTime = Files.getLastModifiedTime(TRACKED);
        ProcessBuilder pb = new ProcessBuilder(MeshFixture.bin("claude-mesh").toString(), "bench", "--quick")
                .redirectOutput(tmp.resolve("stdout.txt").toFile())
                .redirectError(tmp.resolve("stderr.txt").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("MESH_"));
        // With a PostgreSQL server for the tests, the bench measures its PostgreSQL rows too.
        String pg = System.getenv("MESH_TEST_PG_URL");
        if (pg != null) {
            pb.environment().put("MESH_BENCH_PG_URL", pg);
        }
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new AssertionError("bench --quick did not finish within 5 minutes; stderr: " + read(tmp.resolve("stderr.txt")));
        }
        String stderr = read(tmp.resolve("stderr.txt"));
        assertEquals(0, p.exitValue(), "bench --quick failed; stderr:\n" + stderr);

        String report = read(tmp.resolve("stdout.txt"));
        assertTrue(java.util.Arrays.equals(tracked, Files.readAllBytes(TRACKED)) && trackedTime.equals(Files.getLastModifiedTime(TRACKED)),
                "bench --quick wrote over " + TRACKED);
        assertTrue(!stderr.contains("written to"), stderr);
        for (String header : List.of("**Date:**", "**Command:**", "**Machine:**", "**OS:**", "**JDK", "--quick")) {
            assertTrue(report.contains(header), "the header has " + header + ":\n" + report);
        }
        assertTrue(report.contains("| # | figure | median | spread | runs | target | met? |"), report);
        List<String> expected = new java.util.ArrayList<>(ROWS);
        if (pg != null) {
            expected.addAll(List.of("1c", "1d"));
        } else {
            assertTrue(report.lines().anyMatch(l -> l.startsWith("| 1c | ") && l.contains("MESH_BENCH_PG_URL")),
                    "without a server the PostgreSQL row says how to give one:\n" + report);
        }
        // 4c/4d need Node.js and the MCP SDK in interop/ (npm ci there), as TypeScriptClientIT does.
        if (Files.isDirectory(MeshFixture.repoRoot().resolve("interop/node_modules/@modelcontextprotocol/sdk"))) {
            expected.addAll(List.of("4c", "4d"));
        } else {
            assertTrue(report.lines().anyMatch(l -> l.startsWith("| 4d | ") && l.contains("npm ci")),
                    "without the SDK the Node row says how to get it:\n" + report);
        }
        for (String id : expected) {
            String row = report.lines().filter(l -> l.startsWith("| " + id + " | ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no row " + id + " in:\n" + report));
            assertTrue(!row.contains("not measured"), "row " + id + " was not measured: " + row + "\n" + stderr);
        }
        assertTrue(report.contains("**Targets met: "), "the report says which targets were met:\n" + report);
        for (String section : List.of("## How each figure is measured", "## Notes from this run")) {
            assertTrue(report.lines().anyMatch(section::equals), "a heading of its own, not indented into a code block: "
                    + section + "\n" + report);
        }
    }

    @Test
    void aQuickRunWritesItsReportWhereOutSaysKeepingTheRealClaudeCodeSection() throws Exception {
        Path out = tmp.resolve("reports").resolve("smoke.md");
        Files.createDirectories(out.getParent());
        String kept = "## In the real Claude Code\n\n| figure | p50 |\n| --- | --- |\n| measured elsewhere | 1 ms |\n";
        Files.writeString(out, "# an older report\n\n| 3 | stale row |\n\n" + kept);
        ProcessBuilder pb = new ProcessBuilder(MeshFixture.bin("claude-mesh").toString(), "bench", "--quick", "--only", "servers",
                "--out", out.toString())
                .redirectOutput(tmp.resolve("stdout.txt").toFile())
                .redirectError(tmp.resolve("stderr.txt").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("MESH_"));
        Process p = pb.start();
        p.getOutputStream().close();
        assertTrue(p.waitFor(3, TimeUnit.MINUTES), "bench --quick --only servers did not finish");
        assertEquals(0, p.exitValue(), read(tmp.resolve("stderr.txt")));
        assertEquals(read(tmp.resolve("stdout.txt")).stripTrailing() + "\n\n" + kept, read(out),
                "the --out file carries stdout's report, then the section the end-to-end suite measures, as it was");
        assertTrue(read(out).contains("| 3 | ") && !read(out).contains("stale row"), read(out));
    }

    private static String read(Path p) throws Exception {
        return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
    }
}
