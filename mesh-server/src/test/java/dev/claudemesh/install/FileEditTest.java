package dev.claudemesh.install;

import dev.claudemesh.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FileEditTest {
    @TempDir
    Path tmp;

    FileEdit edit(Path p, String before, String after) {
        return new FileEdit(p, before, after, List.of("+ x"), true, PosixFilePermissions.fromString("rw-------"), true);
    }

    @Test
    void theFirstChangeIsBackedUpAndTheBackupIsNeverOverwritten() throws Exception {
        Path f = Files.writeString(tmp.resolve("settings.json"), "one");
        assertTrue(edit(f, "one", "two").apply());
        assertFalse(edit(f, "two", "three").apply());
        assertEquals("three", Files.readString(f));
        assertEquals("one", Files.readString(tmp.resolve("settings.json.claude-mesh-backup")));
    }

    @Test
    void theFileKeepsItsPermissionsAndNoTemporaryFileIsLeft() throws Exception {
        Path f = Files.writeString(tmp.resolve(".claude.json"), "{}");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        edit(f, "{}", "{\"a\":1}").apply();
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        edit(f, "{\"a\":1}", "{}").apply();
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(".claude.json", ".claude.json.claude-mesh-backup"),
                    files.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void aSymlinkedFileIsWrittenThroughTheLink() throws Exception {
        Path real = Files.writeString(Files.createDirectories(tmp.resolve("dotfiles")).resolve("claude.json"), "{}");
        Path link = Files.createSymbolicLink(tmp.resolve(".claude.json"), real);
        edit(link, "{}", "{\"a\":1}").apply();
        assertTrue(Files.isSymbolicLink(link), "the link stays a link");
        assertEquals("{\"a\":1}", Files.readString(real));
    }

    @Test
    void aFileChangedSinceItWasReadIsLeftAlone() throws Exception {
        Path f = Files.writeString(tmp.resolve("settings.json"), "changed by someone else");
        ConfigException e = assertThrows(ConfigException.class, () -> edit(f, "as read", "ours").apply());
        assertTrue(e.getMessage().contains("changed while claude-mesh was reading it"), e.getMessage());
        assertEquals("changed by someone else", Files.readString(f));
        assertFalse(Files.exists(FileEdit.backupOf(f)));
    }

    @Test
    void newFilesGetTheirDirectoryAndMode() throws Exception {
        Path f = tmp.resolve("home/.claude/settings.json");
        assertFalse(edit(f, null, "{}\n").apply(), "no backup of a file that did not exist");
        assertEquals("{}\n", Files.readString(f));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        edit(f, "{}\n", null).apply();
        assertFalse(Files.exists(f));
    }

    @Test
    void theDiffShowsTheChangedLinesWithContext() {
        String before = "{\n  \"a\": 1,\n  \"b\": 2,\n  \"c\": 3,\n  \"d\": 4,\n  \"e\": 5\n}\n";
        String after = before.replace("  \"e\": 5\n", "  \"e\": 5,\n  \"f\": 6\n");
        assertEquals("""
                --- /x.json
                +++ /x.json (after)
                @@ -3,5 +3,6 @@
                   "b": 2,
                   "c": 3,
                   "d": 4,
                -  "e": 5
                +  "e": 5,
                +  "f": 6
                 }
                """, edit(Path.of("/x.json"), before, after).diff());
        assertEquals("--- /dev/null\n+++ /new.json (after)\n@@ -0,0 +1,2 @@\n+{\n+}\n", edit(Path.of("/new.json"), null, "{\n}\n").diff());
    }
}
