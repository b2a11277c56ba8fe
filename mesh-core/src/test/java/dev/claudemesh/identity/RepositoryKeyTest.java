package dev.claudemesh.identity;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class RepositoryKeyTest {
    @TempDir
    Path tmp;

    @Test
    void everyWayOfWritingOneRemoteIsOneKeyAndCredentialsNeverAppear() {
        String key = "github.com/Acme/shop";
        assertEquals(key, RepositoryKey.normalise("git@github.com:Acme/shop.git"));
        assertEquals(key, RepositoryKey.normalise("https://github.com/Acme/shop.git"));
        assertEquals(key, RepositoryKey.normalise("https://x-token:s3cret@GitHub.com/Acme/shop/"));
        assertEquals(key, RepositoryKey.normalise("ssh://git@github.com:22/Acme/shop.git"));
        assertEquals(key, RepositoryKey.normalise("  git@github.com:/Acme/shop  "));
        assertEquals("file:/srv/git/shop", RepositoryKey.normalise("/srv/git/shop.git"));
        assertEquals("file:/srv/git/shop", RepositoryKey.normalise("file:///srv/git/shop.git"));
        assertNull(RepositoryKey.normalise(""));
        assertNull(RepositoryKey.normalise("nonsense"));
    }

    @Test
    void twoClonesOfOneRemoteShareAKeyAndADirectoryWithoutOneIsKeyedByHostAndPath() throws Exception {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        for (Path clone : new Path[]{a, b}) {
            git(tmp, "init", "-q", clone.toString());
        }
        git(a, "remote", "add", "origin", "git@github.com:Acme/shop.git");
        git(b, "remote", "add", "origin", "https://github.com/Acme/shop");
        assertEquals("github.com/Acme/shop", RepositoryKey.of(a, "host-1"));
        assertEquals("github.com/Acme/shop", RepositoryKey.of(b, "host-2"));
        Path plain = java.nio.file.Files.createDirectories(tmp.resolve("plain"));
        assertEquals("host-1:" + plain, RepositoryKey.of(plain, "host-1"));
    }

    private static void git(Path dir, String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("git", "-C", dir.toString()));
        cmd.addAll(java.util.List.of(args));
        Process p = new ProcessBuilder(cmd).inheritIO().start();
        assertEquals(0, p.waitFor());
    }
}
