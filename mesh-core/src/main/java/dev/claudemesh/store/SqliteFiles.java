package dev.claudemesh.store;

import dev.claudemesh.mesh.StoreException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates the mesh directory (0700) and database file (0600) before SQLite sees them, so the file is never
 * readable by other users, not even for a moment. SQLite gives its -wal and -shm files the database file's
 * permissions. On file systems without POSIX permissions (Windows) this falls back to plain creation.
 */
public final class SqliteFiles {
    private SqliteFiles() {
    }

    static void prepare(Path db) {
        if (Files.isDirectory(db)) {
            throw new StoreException("the mesh database path " + db + " is a directory; set MESH_DB_PATH to a file path");
        }
        Path dir = db.toAbsolutePath().getParent();
        try {
            if (dir != null && !Files.isDirectory(dir)) {
                createPrivate(dir, true);
            }
            if (!Files.exists(db)) {
                try {
                    createPrivate(db, false);
                } catch (FileAlreadyExistsException raced) {
                    // another process created it first; fine
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot create the mesh database " + db + " (" + describe(e)
                    + "); check that its directory is writable or set MESH_DB_PATH elsewhere", e);
        }
        if (!Files.isWritable(db)) {
            throw new StoreException("the mesh database " + db + " is not writable by this user; fix its permissions "
                    + "(chmod 600) or set MESH_DB_PATH elsewhere");
        }
        refuseShared(db);
    }

    /**
     * Whoever can write the mesh file can speak as any peer and feed text to every session, so a file other
     * users can write is refused, not used. (Group or world read is the user's choice; we create 0600.)
     */
    static void refuseShared(Path db) {
        if (!db.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(db);
            if (writableByOthers(perms)) {
                throw new StoreException("the mesh database " + db + " is writable by other users (mode "
                        + PosixFilePermissions.toString(perms) + "), so they could send messages as any peer; "
                        + "run: chmod 600 '" + db + "'");
            }
        } catch (IOException e) {
            throw new StoreException("cannot read the permissions of " + db + " (" + describe(e) + ")", e);
        }
    }

    /** The one test of "other users can write it" (group or world write), for the store and for doctor. */
    public static boolean writableByOthers(Set<PosixFilePermission> perms) {
        return perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE);
    }

    private static void createPrivate(Path p, boolean directory) throws IOException {
        boolean posix = p.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (directory) {
            if (posix) {
                Files.createDirectories(p, PosixFilePermissions.asFileAttribute(
                        Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE)));
            } else {
                Files.createDirectories(p);
            }
        } else if (posix) {
            Files.createFile(p, PosixFilePermissions.asFileAttribute(
                    Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
        } else {
            Files.createFile(p);
        }
    }

    static String describe(IOException e) {
        String kind = e.getClass().getSimpleName().replace("Exception", "");
        return e.getMessage() == null ? kind : kind + ": " + e.getMessage();
    }
}
