package dev.claudemesh.identity;

import dev.claudemesh.config.ConfigException;
import dev.claudemesh.config.MeshConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ProjectIdentityTest {

    @TempDir
    Path tmp;

    private Path dir(String relative) throws IOException {
        return Files.createDirectories(tmp.resolve(relative)).toRealPath();
    }

    private static void writeProjectFile(Path project, String json) throws IOException {
        Files.writeString(project.resolve(ProjectIdentity.PROJECT_FILE), json);
    }

    @Test
    void nameComesFromClaudeMeshJson() throws IOException {
        Path p = dir("some-dir");
        writeProjectFile(p, "{\"other\": {\"nested\": [1, 2]}, \"name\": \"api-server\"}");
        assertEquals("api-server", ProjectIdentity.of(p).baseName());
    }

    @Test
    void malformedJsonIsAConfigErrorNamingTheFile() throws IOException {
        Path p = dir("broken");
        writeProjectFile(p, "{\"name\": ");
        ConfigException e = assertThrows(ConfigException.class, () -> ProjectIdentity.of(p));
        assertTrue(e.getMessage().contains(p.resolve(ProjectIdentity.PROJECT_FILE).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("not valid JSON"), e.getMessage());
    }

    @Test
    void trailingContentAfterTheObjectIsAConfigError() throws IOException {
        Path p = dir("trailing");
        writeProjectFile(p, "{\"name\": \"ok\"} garbage");
        ConfigException e = assertThrows(ConfigException.class, () -> ProjectIdentity.of(p));
        assertTrue(e.getMessage().contains(p.resolve(ProjectIdentity.PROJECT_FILE).toString()), e.getMessage());
    }

    @Test
    void topLevelArrayIsAConfigErrorNamingTheFile() throws IOException {
        Path p = dir("array");
        writeProjectFile(p, "[\"backend\"]");
        ConfigException e = assertThrows(ConfigException.class, () -> ProjectIdentity.of(p));
        assertTrue(e.getMessage().contains(p.resolve(ProjectIdentity.PROJECT_FILE).toString()), e.getMessage());
    }

    @Test
    void nonStringNameIsAConfigError() throws IOException {
        Path p = dir("numeric");
        writeProjectFile(p, "{\"name\": 42}");
        ConfigException e = assertThrows(ConfigException.class, () -> ProjectIdentity.of(p));
        assertTrue(e.getMessage().contains("must be a string"), e.getMessage());
    }

    @Test
    void invalidNameIsAConfigErrorNamingTheFile() throws IOException {
        Path p = dir("slashy");
        writeProjectFile(p, "{\"name\": \"a/b\"}");
        ConfigException e = assertThrows(ConfigException.class, () -> ProjectIdentity.of(p));
        assertTrue(e.getMessage().contains(p.resolve(ProjectIdentity.PROJECT_FILE).toString()), e.getMessage());
        assertTrue(e.getMessage().contains("may hold only"), e.getMessage());
    }

    @Test
    void fileWithoutANameFallsBackToTheDirectoryName() throws IOException {
        Path p = dir("Fallback Dir");
        writeProjectFile(p, "{\"summary\": \"x\"}");
        assertEquals("Fallback-Dir", ProjectIdentity.of(p).baseName());
    }

    @Test
    void withoutAFileTheNameIsTheSanitisedDirectoryName() throws IOException {
        Path p = dir("My Project!");
        ProjectIdentity id = ProjectIdentity.of(p);
        assertEquals("My-Project", id.baseName());
        assertEquals(p, id.projectPath());
    }

    @Test
    void gitRootIsFoundAboveANestedProject() throws IOException {
        Path repo = dir("repo");
        Files.createDirectories(repo.resolve(".git"));
        Path nested = dir("repo/services/api");
        ProjectIdentity id = ProjectIdentity.of(nested);
        assertEquals(repo, id.gitRoot());
        assertEquals(nested, id.projectPath());
        assertEquals("api", id.baseName());
    }

    @Test
    void gitFileOfAWorktreeAlsoMarksTheRoot() throws IOException {
        Path wt = dir("worktree");
        Files.writeString(wt.resolve(".git"), "gitdir: /elsewhere\n");
        Path nested = dir("worktree/sub");
        assertEquals(wt, ProjectIdentity.of(nested).gitRoot());
    }

    @Test
    void outsideGitTheGitRootIsTheProjectItself() throws IOException {
        Path p = dir("plain/project");
        for (Path d = p; d != null; d = d.getParent()) {
            assumeTrue(!Files.exists(d.resolve(".git")), "temp dir lies inside a git work tree: " + d);
        }
        assertEquals(p, ProjectIdentity.of(p).gitRoot());
    }

    @Test
    void projectPathIsCanonical() throws IOException {
        Path real = dir("real");
        Path viaDots = real.resolve("../real/./");
        assertEquals(real, ProjectIdentity.of(viaDots).projectPath());
    }

    @Test
    void resolvePrefersTheConfiguredOverrideOverTheHookCwd() throws IOException {
        Path override = dir("override");
        Path cwd = dir("cwd");
        MeshConfig cfg = new MeshConfig(tmp.resolve("m.db"), Optional.of(override), 100);
        assertEquals(override, ProjectIdentity.resolve(cfg, Optional.of(cwd.toString())).projectPath());
    }

    @Test
    void resolveUsesTheHookCwdWithoutOverride() throws IOException {
        Path cwd = dir("cwd");
        MeshConfig cfg = new MeshConfig(tmp.resolve("m.db"), Optional.empty(), 100);
        assertEquals(cwd, ProjectIdentity.resolve(cfg, Optional.of(cwd.toString())).projectPath());
    }

    @Test
    void resolveFallsBackToUserDirWhenNoOverrideAndNoOrBlankCwd() {
        MeshConfig cfg = new MeshConfig(tmp.resolve("m.db"), Optional.empty(), 100);
        Path userDir = ProjectIdentity.canonical(Path.of(System.getProperty("user.dir")));
        assertEquals(userDir, ProjectIdentity.resolve(cfg, Optional.empty()).projectPath());
        assertEquals(userDir, ProjectIdentity.resolve(cfg, Optional.of("  ")).projectPath());
    }
}
