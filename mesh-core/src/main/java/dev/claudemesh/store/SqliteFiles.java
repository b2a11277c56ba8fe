package dev.claudemesh.store;

import dev.claudemesh.config.PrivateFiles;
import dev.claudemesh.mesh.StoreException;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The files of a mesh on SQLite, checked before SQLite sees any of them and created private: the directory
 * (0700), the database (0600, before SQLite opens it, so it is never readable by others even for a moment).
 * SQLite makes its {@code -wal} and {@code -shm} files itself, with the database's permissions and never
 * through a symbolic link; we make the lock and wait files beside it the same way ({@link PrivateFiles}).
 *
 * <p>Everything in that directory is trusted (a planted {@code -wal} is read as the database's own recent
 * commits; whoever can write the directory can plant one), so the directory must be this user's and not
 * writable by others, and every mesh file already in it must be a regular file of this user's that others
 * cannot write. Anything else is refused, naming the file and the fix, before anything is changed.
 */
final class SqliteFiles {
    /** The files SQLite and the mesh keep beside the database, by suffix. */
    static final List<String> SIDE_FILES = List.of("-wal", "-shm", "-journal", ".migrate-lock");

    private SqliteFiles() {
    }

    static void prepare(Path db) {
        if (Files.isDirectory(db)) {
            throw new StoreException("the mesh database path " + db + " is a directory; set MESH_DB_PATH to a file path");
        }
        Path dir = db.toAbsolutePath().getParent();
        try {
            if (dir != null && !Files.isDirectory(dir)) {
                PrivateFiles.createDirectories(dir);
            }
        } catch (IOException e) {
            throw new StoreException("cannot create the mesh database " + db + " (" + describe(e)
                    + "); check that its directory is writable or set MESH_DB_PATH elsewhere", e);
        }
        refuseUntrusted(db);
        if (!Files.exists(db)) {
            try {
                PrivateFiles.createFile(db);
            } catch (FileAlreadyExistsException raced) {
                // another process created it first; fine (checked again below)
            } catch (IOException e) {
                throw new StoreException("cannot create the mesh database " + db + " (" + describe(e)
                        + "); check that its directory is writable or set MESH_DB_PATH elsewhere", e);
            }
            refuseUntrusted(db);
        }
        if (!Files.isWritable(db)) {
            throw new StoreException("the mesh database " + db + " is not writable by this user; fix its permissions "
                    + "(chmod 600) or set MESH_DB_PATH elsewhere");
        }
    }

    private static void refuseUntrusted(Path db) {
        Optional<PrivateFiles.Problem> problem = problem(db);
        if (problem.isPresent()) {
            throw new StoreException(problem.get().toString());
        }
    }

    /**
     * Why the mesh at {@code db} must not be used, or empty: its directory, the database and each side file
     * that exists, checked as {@link PrivateFiles#problem} says. Changes nothing (doctor asks too).
     */
    static Optional<PrivateFiles.Problem> problem(Path db) {
        Path dir = db.toAbsolutePath().getParent();
        if (dir != null) {
            Optional<PrivateFiles.Problem> p = PrivateFiles.problem(dir, PrivateFiles.Kind.DIRECTORY);
            if (p.isPresent()) {
                return Optional.of(p.get().about("the mesh database directory ",
                        " (or set MESH_DB_PATH to a file in a private directory)"));
            }
        }
        Optional<PrivateFiles.Problem> p = PrivateFiles.problem(db, PrivateFiles.Kind.FILE);
        if (p.isPresent()) {
            return Optional.of(p.get().about("the mesh database ", ""));
        }
        for (String suffix : SIDE_FILES) {
            Path side = db.resolveSibling(db.getFileName() + suffix);
            p = PrivateFiles.problem(side, PrivateFiles.Kind.FILE);
            if (p.isPresent()) {
                return Optional.of(p.get().about("a file beside the mesh database, ", ""));
            }
        }
        return Optional.empty();
    }

    static String describe(IOException e) {
        String kind = e.getClass().getSimpleName().replace("Exception", "");
        return e.getMessage() == null ? kind : kind + ": " + e.getMessage();
    }
}
