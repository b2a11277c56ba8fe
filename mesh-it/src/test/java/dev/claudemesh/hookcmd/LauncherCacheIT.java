package dev.claudemesh.hookcmd;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.HookRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.claudemesh.testing.MeshFixture.hookJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launchers' start-up cache (class-data archive, extracted SQLite library): built in the background
 * when missing, used when current, and never a reason for a hook to fail or print on stdout when it is
 * missing, stale or damaged.
 */
// The launchers' start-up cache does not depend on the backend; once is enough.
@org.junit.jupiter.api.Tag("sqlite-only")
class LauncherCacheIT {
    @TempDir
    Path tmp;

    Map<String, String> env(Path cache) throws Exception {
        Map<String, String> env = new java.util.HashMap<>();
        env.put("MESH_DB_PATH", tmp.resolve("mesh.db").toString());
        env.put("CLAUDE_PROJECT_DIR", Files.createDirectories(tmp.resolve("proj")).toString());
        env.put("CLAUDE_MESH_CACHE_DIR", cache.toString());
        return env;
    }

    /** The session's own server, which the SessionStart hook waits for and names (started once, by this process). */
    private MeshFixture mesh;

    @org.junit.jupiter.api.AfterEach
    void stopServer() {
        if (mesh != null) {
            mesh.close();
        }
    }

    HookRun sessionStart(Map<String, String> env) throws Exception {
        if (mesh == null) {
            mesh = new MeshFixture(tmp);
            mesh.server(Path.of(env.get("CLAUDE_PROJECT_DIR")));
        }
        return MeshFixture.hook("session-start", env,
                hookJson("SessionStart", "s1", Path.of(env.get("CLAUDE_PROJECT_DIR")), Map.of("source", "startup"))
                        .getBytes(StandardCharsets.UTF_8));
    }

    List<Path> archives(Path cache) throws Exception {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.filter(p -> p.getFileName().toString().startsWith("hooks-") && p.toString().endsWith(".jsa")).toList();
        }
    }

    @Test
    void aMissingCacheIsBuiltInTheBackgroundAndThenUsed() throws Exception {
        Path cache = tmp.resolve("cache");
        Map<String, String> env = env(cache);
        HookRun first = sessionStart(env);
        assertEquals(0, first.exitCode());
        assertTrue(first.stdout().startsWith("{\"hookSpecificOutput\""), first.stdout());
        for (int i = 0; i < 600 && (archives(cache).isEmpty() || Files.exists(cache.resolve(".preparing"))); i++) {
            Thread.sleep(100);
        }
        assertEquals(1, archives(cache).size(), "the background prepare built the hooks archive");

        // -Xshare:on makes the JVM refuse to start unless it can map the archive: proof the launcher passes a usable one.
        env.put("CLAUDE_MESH_JAVA_OPTS", "-Xshare:on");
        HookRun cached = sessionStart(env);
        assertEquals(0, cached.exitCode());
        assertTrue(cached.stdout().startsWith("{\"hookSpecificOutput\""), "stdout: " + cached.stdout() + " stderr: " + cached.stderr());
        assertEquals("", cached.stderr());
    }

    @Test
    void aDamagedArchiveIsIgnoredAndTheHookStillAnswers() throws Exception {
        Path cache = tmp.resolve("cache");
        Map<String, String> env = env(cache);
        env.put("CLAUDE_MESH_NO_CACHE", "");
        sessionStart(env);
        for (int i = 0; i < 600 && (archives(cache).isEmpty() || Files.exists(cache.resolve(".preparing"))); i++) {
            Thread.sleep(100);
        }
        Path archive = archives(cache).get(0);
        archive.toFile().setWritable(true);
        Files.write(archive, "not an archive at all".repeat(100).getBytes());
        Files.setLastModifiedTime(archive, FileTime.from(Instant.now().plusSeconds(60)));

        HookRun r = sessionStart(env);
        assertEquals(0, r.exitCode());
        assertTrue(r.stdout().startsWith("{\"hookSpecificOutput\""), "stdout stays valid hook output: " + r.stdout());
        assertFalse(r.stdout().contains("warning"), r.stdout());
    }

    @Test
    void anArchiveOlderThanTheJarIsNotUsed() throws Exception {
        Path cache = tmp.resolve("cache");
        Map<String, String> env = env(cache);
        sessionStart(env);
        for (int i = 0; i < 600 && (archives(cache).isEmpty() || Files.exists(cache.resolve(".preparing"))); i++) {
            Thread.sleep(100);
        }
        Path archive = archives(cache).get(0);
        Files.setLastModifiedTime(archive, FileTime.from(Instant.parse("2000-01-01T00:00:00Z")));
        env.put("CLAUDE_MESH_NO_CACHE", ""); // still enabled; an empty value is not "off"
        env.put("CLAUDE_MESH_JAVA_OPTS", "-Xlog:cds=info:stderr");
        HookRun r = sessionStart(env);
        assertEquals(0, r.exitCode());
        assertFalse(r.stderr().contains(archive.getFileName().toString()), "a stale archive must not be passed to the JVM: " + r.stderr());
    }
}
