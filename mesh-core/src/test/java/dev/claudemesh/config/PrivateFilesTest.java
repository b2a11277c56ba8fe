package dev.claudemesh.config;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The rule for files the mesh trusts, on real files. "Another user" is played with what works under root too
 * (the tests run as root in CI, and root passes every permission check): modes other users could write
 * through, symbolic links planted where a file will be made, and, where this process may chown, another owner.
 */
class PrivateFilesTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void posixOnly() {
        assumeTrue(tmp.getFileSystem().supportedFileAttributeViews().contains("unix"), "needs a Unix file system");
    }

    @Test
    void aPrivateDirectoryAndFileOfThisUserAreTrusted() throws IOException {
        Path dir = tmp.resolve("a/b");
        PrivateFiles.createDirectories(dir);
        Path f = dir.resolve("f");
        PrivateFiles.createFile(f);
        assertEquals("rwx------", mode(dir));
        assertEquals("rwx------", mode(tmp.resolve("a")), "every directory it made is private");
        assertEquals("rw-------", mode(f));
        assertEquals(Optional.empty(), PrivateFiles.problem(dir, PrivateFiles.Kind.DIRECTORY));
        assertEquals(Optional.empty(), PrivateFiles.problem(f, PrivateFiles.Kind.FILE));
    }

    @Test
    void aDirectoryOrFileOthersCanWriteIsRefusedNamingItAndTheFix() throws IOException {
        Path dir = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path f = Files.createFile(tmp.resolve("shared"));
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-rw-r--"));

        PrivateFiles.Problem d = PrivateFiles.problem(dir, PrivateFiles.Kind.DIRECTORY).orElseThrow();
        PrivateFiles.Problem p = PrivateFiles.problem(f, PrivateFiles.Kind.FILE).orElseThrow();

        assertEquals(dir + " is writable by other users (mode rwxrwxrwx), so they could plant or replace the files in it", d.what());
        assertEquals("chmod go-w '" + dir + "'", d.fix());
        assertTrue(p.what().startsWith(f + " is writable by other users (mode rw-rw-r--)"), p.what());
    }

    @Test
    void aSymlinkPlantedWhereAMeshFileGoesIsRefusedAndNeverWrittenThrough() throws IOException {
        Path victim = Files.writeString(tmp.resolve("victims-file"), "precious");
        Path planted = tmp.resolve("mesh.db.wait-backend");
        Files.createSymbolicLink(planted, victim);

        assertTrue(PrivateFiles.problem(planted, PrivateFiles.Kind.FILE).orElseThrow().what().contains("is a symbolic link"));
        IOException e = assertThrows(IOException.class, () -> PrivateFiles.write(planted, "12345"));
        assertTrue(e.getMessage().contains("symbolic link") && e.getMessage().contains("rm '" + planted + "'"), e.getMessage());
        assertEquals("precious", Files.readString(victim));
    }

    @Test
    void aDanglingSymlinkPlantedWhereAMeshFileGoesCreatesNothingAtItsTarget() throws IOException {
        Path target = tmp.resolve("would-be-created");
        Path planted = tmp.resolve("mesh.db.migrate-lock");
        Files.createSymbolicLink(planted, target);

        assertThrows(IOException.class, () -> PrivateFiles.open(planted).close());
        assertThrows(IOException.class, () -> PrivateFiles.createFile(planted));
        assertTrue(Files.notExists(target));
    }

    @Test
    void writeMakesANewFilePrivateAndReplacesItsContent() throws IOException {
        Path f = tmp.resolve("token");
        PrivateFiles.write(f, "a longer first content");
        PrivateFiles.write(f, "42");
        assertEquals("42", Files.readString(f));
        assertEquals("rw-------", mode(f));
    }

    @Test
    void aUserFileMayBeASymlinkButItsTargetMustBeTrustedToo() throws IOException {
        Path target = Files.writeString(tmp.resolve("real.env"), "X=1\n");
        Path link = Files.createSymbolicLink(tmp.resolve(".env"), target);
        assertEquals(Optional.empty(), PrivateFiles.problem(link, PrivateFiles.Kind.USER_FILE));
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertTrue(PrivateFiles.problem(link, PrivateFiles.Kind.USER_FILE).orElseThrow().what().contains("writable by other users"));
    }

    @Test
    void aFileOfAnotherUserIsRefused() throws Exception {
        Path f = Files.createFile(tmp.resolve("theirs"));
        assumeTrue(chown(f, 65534), "needs the right to give a file away (root)");
        PrivateFiles.Problem p = PrivateFiles.problem(f, PrivateFiles.Kind.FILE).orElseThrow();
        assertTrue(p.what().contains("belongs to another user (uid 65534"), p.what());
    }

    @Test
    void aMissingPathHasNoProblem() {
        assertEquals(Optional.empty(), PrivateFiles.problem(tmp.resolve("nothing"), PrivateFiles.Kind.FILE));
    }

    static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    /** Gives {@code p} to {@code uid}, as only root may; false when this process may not. */
    static boolean chown(Path p, int uid) {
        try {
            Files.setAttribute(p, "unix:uid", uid);
            return true;
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
