package dev.claudemesh;

import dev.claudemesh.testing.MeshFixture;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the jars the launchers run may hold, read from the jars this build packaged: the product jars (server,
 * hooks) carry no benchmark and no test code, the hooks jar no MCP SDK and none of the server's adapters, and
 * the benchmark suite's jar exists where {@code bin/claude-mesh-launch bench} looks for it.
 */
class ProductJarsIT {
    /** Entries no product jar may hold: the benchmark, test fixtures and test classes, test libraries. */
    private static final List<String> NOT_IN_A_PRODUCT = List.of("dev/claudemesh/bench/", "dev/claudemesh/testing/",
            "org/junit/", "org/opentest4j/", "com/tngtech/archunit/", "db/test/");

    @Test
    void theServerJarHoldsNoBenchmarkOrTestCode() throws IOException {
        List<String> entries = entries(jar("mesh-server", "claude-mesh-server.jar"));
        assertTrue(entries.contains("dev/claudemesh/mcp/ServerMain.class"), "the server jar has the server");
        assertTrue(entries.contains("dev/claudemesh/cli/CliMain.class"), "and the command line");
        assertEquals(List.of(), forbidden(entries, NOT_IN_A_PRODUCT));
    }

    @Test
    void theHooksJarHoldsNoBenchmarkTestCodeMcpSdkOrServerAdapters() throws IOException {
        List<String> entries = entries(jar("mesh-hooks", "claude-mesh-hooks.jar"));
        assertTrue(entries.contains("dev/claudemesh/hookcmd/HookMain.class"), "the hooks jar has the hooks");
        assertEquals(List.of(), forbidden(entries, NOT_IN_A_PRODUCT));
        assertEquals(List.of(), forbidden(entries, List.of("io/modelcontextprotocol/", "reactor/",
                "dev/claudemesh/mcp/", "dev/claudemesh/cli/", "dev/claudemesh/install/")));
    }

    @Test
    void theBenchmarkHasAJarOfItsOwn() throws IOException {
        List<String> entries = entries(jar("mesh-bench", "claude-mesh-bench.jar"));
        assertTrue(entries.contains("dev/claudemesh/bench/BenchMain.class"), "the bench jar has the suite");
        assertEquals(List.of(), forbidden(entries, List.of("dev/claudemesh/testing/", "org/junit/")));
    }

    private static Path jar(String module, String name) {
        Path jar = MeshFixture.repoRoot().resolve(module).resolve("target").resolve(name);
        assertTrue(Files.isRegularFile(jar), jar + " was not built");
        return jar;
    }

    private static List<String> entries(Path jar) throws IOException {
        try (JarFile f = new JarFile(jar.toFile())) {
            return f.stream().map(ZipEntry::getName).toList();
        }
    }

    /** The entries under any of {@code prefixes}, and our classes named like tests (…Test, …IT). */
    private static List<String> forbidden(List<String> entries, List<String> prefixes) {
        return entries.stream()
                .filter(e -> prefixes.stream().anyMatch(e::startsWith)
                        || e.startsWith("dev/claudemesh/") && e.matches(".*(Test|IT|Tests)(\\$.*)?\\.class"))
                .toList();
    }
}
