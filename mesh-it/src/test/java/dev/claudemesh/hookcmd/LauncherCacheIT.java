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

    // ------------------------------------------------------------------ whose cache it is

    /**
     * A stand-in for java that records how the launcher called it, so a test sees which cache entries a JVM
     * would have been given without running one.
     */
    record FakeJava(Path home, Path log) {
        static FakeJava in(Path dir) throws Exception {
            Path bin = Files.createDirectories(dir.resolve("fake-jdk/bin"));
            Path log = dir.resolve("java-calls.log");
            Path script = bin.resolve("java");
            Files.writeString(script, "#!/bin/sh\nprintf '%s\\n' \"$@\" >> '" + log + "'\necho --- >> '" + log + "'\n");
            Files.setPosixFilePermissions(script, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
            return new FakeJava(dir.resolve("fake-jdk"), log);
        }

        Path java() {
            return home.resolve("bin/java");
        }

        /** The arguments of the launcher's own call (the first one). */
        List<String> firstCall() throws Exception {
            List<String> lines = Files.readAllLines(log);
            int end = lines.indexOf("---");
            return end < 0 ? lines : lines.subList(0, end);
        }
    }

    static final Path HOOKS_JAR = MeshFixture.repoRoot().resolve("mesh-hooks/target/claude-mesh-hooks.jar");

    /** The cache entries the launcher looks for: {jsa, native dir} for the hooks' archive, as the launcher names them. */
    static List<Path> entries(Path cache, Path java) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", ". '" + MeshFixture.bin("claude-mesh-cache-key")
                + "'; cache_names hooks \"$1\" \"$2\"; echo \"$jsa\"; echo \"$native_dir\"; echo \"$native_name\"", "names",
                HOOKS_JAR.toString(), java.toString());
        pb.environment().put("CLAUDE_MESH_CACHE_DIR", cache.toString());
        Process p = pb.start();
        List<String> out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertEquals(0, p.waitFor());
        return List.of(Path.of(out.get(0)), Path.of(out.get(1)).resolve(out.get(2)));
    }

    /** Plants a current archive and native library in {@code cache}: newer than the jar and the java binary. */
    static List<Path> plant(Path cache, Path java) throws Exception {
        List<Path> e = entries(cache, java);
        for (Path p : e) {
            Files.createDirectories(p.getParent());
            Files.writeString(p, "planted");
            Files.setLastModifiedTime(p, FileTime.from(Instant.now().plusSeconds(3600)));
        }
        return e;
    }

    /** Runs the session-start launcher with {@code env} over a clean one (null removes a variable), under umask 022. */
    static HookRun launch(Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("sh", "-c", "umask 022; exec \"$0\"", MeshFixture.bin("claude-mesh-session-start").toString());
        for (String v : List.of("CLAUDE_MESH_CACHE_DIR", "CLAUDE_MESH_NO_CACHE", "CLAUDE_MESH_JAVA_OPTS", "MESH_DB_URL")) {
            pb.environment().remove(v);
        }
        env.forEach((k, v) -> {
            if (v == null) {
                pb.environment().remove(k);
            } else {
                pb.environment().put(k, v);
            }
        });
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        return new HookRun(p.exitValue(), out, err);
    }

    Map<String, String> fakeEnv(FakeJava fake, Path cache) throws Exception {
        Map<String, String> env = env(cache);
        env.put("JAVA_HOME", fake.home().toString());
        env.put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
        return env;
    }

    static boolean usesCache(List<String> javaArgs, List<Path> entries) {
        return javaArgs.stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-Dorg.sqlite.lib.path="));
    }

    @Test
    void aPrivateCurrentCacheIsGivenToTheJvm() throws Exception {
        FakeJava fake = FakeJava.in(tmp);
        Path cache = tmp.resolve("cache");
        List<Path> planted = plant(cache, fake.java());
        Files.setPosixFilePermissions(cache, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));

        launch(fakeEnv(fake, cache));

        List<String> args = fake.firstCall();
        assertTrue(args.contains("-XX:SharedArchiveFile=" + planted.get(0)), args.toString());
        assertTrue(args.contains("-Dorg.sqlite.lib.path=" + planted.get(1).getParent()), args.toString());
    }

    @Test
    void aCacheDirectoryOthersCanWriteIsNeverGivenToTheJvm() throws Exception {
        FakeJava fake = FakeJava.in(tmp);
        Path cache = tmp.resolve("cache");
        List<Path> planted = plant(cache, fake.java());
        Files.setPosixFilePermissions(cache, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));

        launch(fakeEnv(fake, cache));

        assertFalse(usesCache(fake.firstCall(), planted), fake.firstCall().toString());
    }

    @Test
    void cacheEntriesOthersCanWriteOrThatAreSymlinksAreNeverGivenToTheJvm() throws Exception {
        FakeJava fake = FakeJava.in(tmp);
        Path cache = tmp.resolve("cache");
        List<Path> planted = plant(cache, fake.java());
        Files.setPosixFilePermissions(cache, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        // The archive writable by others; the library replaced by a link to a file elsewhere.
        Files.setPosixFilePermissions(planted.get(0), java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
        Path elsewhere = Files.writeString(tmp.resolve("their-lib.so"), "not ours");
        Files.setLastModifiedTime(elsewhere, FileTime.from(Instant.now().plusSeconds(3600)));
        Files.delete(planted.get(1));
        Files.createSymbolicLink(planted.get(1), elsewhere);

        launch(fakeEnv(fake, cache));

        List<String> args = fake.firstCall();
        assertFalse(args.stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile=")), args.toString());
        assertFalse(args.stream().anyMatch(a -> a.startsWith("-Dorg.sqlite.lib.path=")), args.toString());
    }

    @Test
    void cacheEntriesOfAnotherUserAreNeverGivenToTheJvm() throws Exception {
        FakeJava fake = FakeJava.in(tmp);
        Path cache = tmp.resolve("cache");
        List<Path> planted = plant(cache, fake.java());
        Files.setPosixFilePermissions(cache, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        try {
            Files.setAttribute(planted.get(0), "unix:uid", 65534);
        } catch (java.io.IOException e) {
            org.junit.jupiter.api.Assumptions.abort("needs the right to give a file away (root)");
        }

        launch(fakeEnv(fake, cache));

        assertFalse(fake.firstCall().stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile=")), fake.firstCall().toString());
    }

    @Test
    void withoutHomeTheLauncherUsesNoCacheAtAllRatherThanOneInTmp() throws Exception {
        FakeJava fake = FakeJava.in(tmp);
        // Where the launchers used to fall back to without HOME: another user could plant entries there. The
        // test plants one itself (only if nobody else uses that directory) and removes it afterwards.
        Path shared = Path.of("/tmp/.claude-mesh");
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.exists(shared, java.nio.file.LinkOption.NOFOLLOW_LINKS),
                shared + " exists already; not touching it");
        try {
            List<Path> planted = plant(shared.resolve("cache"), fake.java());
            Map<String, String> env = env(tmp.resolve("unused-cache"));
            env.put("JAVA_HOME", fake.home().toString());
            env.put("CLAUDE_MESH_CACHE_DIR", null);
            env.put("HOME", null);

            launch(env);

            List<String> args = fake.firstCall();
            assertFalse(usesCache(args, planted), args.toString());
            assertFalse(args.stream().anyMatch(a -> a.contains("/tmp/.claude-mesh")), args.toString());
        } finally {
            deleteTree(shared);
        }
    }

    @Test
    void theFirstLaunchWithoutInstallMakesTheMeshDirectoryAndTheCachePrivate() throws Exception {
        FakeJava fake = FakeJava.in(tmp);
        Path home = Files.createDirectories(tmp.resolve("fresh-home"));
        Map<String, String> env = env(tmp.resolve("unused-cache"));
        env.put("JAVA_HOME", fake.home().toString());
        env.put("CLAUDE_MESH_CACHE_DIR", null);
        env.put("HOME", home.toString());

        launch(env); // no cache yet: it starts the background prepare, which makes one
        Path cache = home.resolve(".claude-mesh/cache");
        for (int i = 0; i < 600 && (!Files.isDirectory(cache) || Files.exists(cache.resolve(".preparing"))); i++) {
            Thread.sleep(100);
        }

        assertEquals("rwx------", PrivateModes.of(home.resolve(".claude-mesh")));
        assertEquals("rwx------", PrivateModes.of(cache));
        try (Stream<Path> all = Files.walk(cache)) {
            for (Path p : all.toList()) {
                String mode = PrivateModes.of(p);
                assertTrue(mode.equals("rwx------") || mode.equals("rw-------"), p + " is " + mode);
            }
        }
    }

    /** Every kind of archive the prepare makes, by name prefix. */
    static List<String> kinds(Path cache) throws Exception {
        if (!Files.isDirectory(cache)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(cache)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jsa"))
                    .map(n -> n.substring(0, n.indexOf('-'))).sorted().toList();
        }
    }

    Process prepare(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(MeshFixture.bin("claude-mesh-prepare").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        MeshFixture.putEnv(pb, env);
        return pb.start();
    }

    static void awaitLock(Path cache, Process holder) throws Exception {
        for (int i = 0; i < 300 && !Files.isDirectory(cache.resolve(".preparing")); i++) {
            assertTrue(holder.isAlive() || Files.isDirectory(cache.resolve(".preparing")), "the first prepare ended before taking the lock");
            Thread.sleep(20);
        }
        assertTrue(Files.isDirectory(cache.resolve(".preparing")), "the first prepare holds the lock");
    }

    @Test
    void installWhileTheLaunchersBackgroundPrepareRunsReturnsOnlyOnceTheCacheIsThere() throws Exception {
        Path cache = tmp.resolve("cache");
        Map<String, String> env = env(cache);
        env.put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
        // What a first launch does when there is no cache: a prepare in the background.
        Process background = prepare(env, "--if-idle");
        awaitLock(cache, background);

        dev.claudemesh.testing.MeshCli.Run install = dev.claudemesh.testing.MeshCli.run(tmp.resolve("proj"), env, "install");

        assertEquals(0, install.exit(), install.toString());
        assertEquals(List.of("cli", "hooks", "server"), kinds(cache), install.out());
        assertFalse(Files.exists(cache.resolve(".preparing")), "the lock is released");
        assertFalse(install.out().contains("claude-mesh-prepare: already running"), "install did not leave the work to the other: " + install.out());
        assertTrue(install.out().contains("waiting for the prepare already running"), install.out());
        assertTrue(install.out().contains("hooks archive: current"), "it checked the entries itself: " + install.out());
        assertTrue(background.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the background prepare ends");
        assertEquals(0, background.exitValue());
    }

    @Test
    void theBackgroundPrepareLeavesTheWorkToOneAlreadyRunning() throws Exception {
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        Map<String, String> env = env(cache);
        Files.createDirectory(cache.resolve(".preparing")); // a prepare that holds the lock

        Process idle = prepare(env, "--if-idle");
        assertTrue(idle.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, idle.exitValue());
        assertEquals("claude-mesh-prepare: already running\n", new String(idle.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(List.of(), kinds(cache));

        Process waiting = prepare(env);
        Thread.sleep(1_000);
        assertTrue(waiting.isAlive(), "a foreground prepare waits while the lock is held");
        Files.delete(cache.resolve(".preparing")); // the other one finishes
        assertTrue(waiting.waitFor(120, java.util.concurrent.TimeUnit.SECONDS));
        String out = new String(waiting.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, waiting.exitValue(), out);
        assertTrue(out.startsWith("waiting for the prepare already running\n"), out);
        assertEquals(List.of("cli", "hooks", "server"), kinds(cache), out);
    }

    @Test
    void prepareRefusesAnOptionItDoesNotKnow() throws Exception {
        Process p = prepare(env(tmp.resolve("cache")), "--fast");
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), err);
        assertTrue(err.contains("unknown option '--fast'") && err.contains("usage"), err);
    }

    @Test
    void prepareWithoutHomeRefusesToMakeACacheAnywhere() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(MeshFixture.bin("claude-mesh-prepare").toString());
        pb.environment().remove("HOME");
        pb.environment().remove("CLAUDE_MESH_CACHE_DIR");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, p.waitFor(), out + err);
        assertTrue(err.contains("HOME is not set"), err);
        assertEquals(1, err.strip().lines().count(), err);
    }

    /** Modes as ls shows them. */
    static final class PrivateModes {
        static String of(Path p) throws java.io.IOException {
            return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        }
    }

    static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
