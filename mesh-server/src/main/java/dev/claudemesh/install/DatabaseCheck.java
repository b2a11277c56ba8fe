package dev.claudemesh.install;

import dev.claudemesh.config.PrivateFiles;
import dev.claudemesh.store.SqliteStore;
import dev.claudemesh.mesh.StoreException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * doctor's database line: the path is a file this user can use, in a directory SQLite can write its -wal and
 * -shm files to, not writable by other users (sessions refuse such a file), and at a schema this checkout
 * knows. Read only: nothing is created or migrated.
 */
final class DatabaseCheck {
    private DatabaseCheck() {
    }

    /** A PostgreSQL mesh: reachable with these credentials, and at a schema this checkout knows. */
    static Check of(dev.claudemesh.config.DbUrl url) {
        String name = "database";
        Optional<String> version;
        try {
            version = dev.claudemesh.store.PostgresStore.peekSchemaVersion(url);
        } catch (StoreException e) {
            return Check.fail(name, e.getMessage(), "check that the server runs and that MESH_DB_URL names it, its "
                    + "database and a user that may log in (see docs/postgresql.md)");
        }
        return schema(name, url.display(), version);
    }

    static Check of(Path db) {
        String name = "database";
        if (Files.isDirectory(db)) {
            return Check.fail(name, db + " is a directory", "set MESH_DB_PATH to a file path");
        }
        // The same verdict every session reaches on its directory and files, before it opens anything.
        Optional<PrivateFiles.Problem> untrusted = SqliteStore.problemWithFiles(db);
        if (untrusted.isPresent()) {
            return Check.fail(name, untrusted.get().what() + "; sessions refuse it", untrusted.get().fix());
        }
        if (!Files.exists(db)) {
            Path dir = existingAncestor(db.getParent());
            if (dir == null || !Files.isWritable(dir)) {
                return Check.fail(name, db + " does not exist and " + dir + " is not writable",
                        "make it writable or set MESH_DB_PATH elsewhere");
            }
            return Check.ok(name, db + " not created yet; the first session creates it");
        }
        String mode = "";
        if (db.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            try {
                mode = ", mode " + PosixFilePermissions.toString(Files.getPosixFilePermissions(db));
            } catch (IOException e) {
                return Check.fail(name, "cannot read the permissions of " + db + " (" + e.getMessage() + ")", "check its owner");
            }
        }
        if (!Files.isReadable(db) || !Files.isWritable(db)) {
            return Check.fail(name, db + " is not readable and writable by this user" + mode, "chmod 600 '" + db + "' as its owner");
        }
        if (!Files.isWritable(db.toAbsolutePath().getParent())) {
            return Check.fail(name, "the directory of " + db + " is not writable (SQLite keeps its -wal and -shm files there)",
                    "chmod 700 '" + db.toAbsolutePath().getParent() + "'");
        }
        Optional<String> version;
        try {
            version = SqliteStore.peekSchemaVersion(db);
        } catch (StoreException e) {
            return Check.fail(name, e.getMessage(), "move it aside (the next session starts a new mesh) or set MESH_DB_PATH elsewhere");
        }
        return schema(name, db + mode, version);
    }

    private static Check schema(String name, String db, Optional<String> version) {
        String latest = SqliteStore.latestSchemaVersion();
        if (version.isEmpty()) {
            return Check.ok(name, db + ", no schema yet; the next session creates it");
        }
        int cmp = compareVersions(version.get(), latest);
        if (cmp > 0) {
            return Check.fail(name, db + " has schema version " + version.get() + ", newer than this installation's " + latest,
                    "update this checkout (git pull, then build) to the version the other sessions run");
        }
        return Check.ok(name, db + ", schema version " + version.get()
                + (cmp < 0 ? " (the next session upgrades it to " + latest + ")" : " (current)"));
    }

    private static int compareVersions(String a, String b) {
        try {
            return Long.compare(Long.parseLong(a), Long.parseLong(b));
        } catch (NumberFormatException e) {
            return a.compareTo(b);
        }
    }

    private static Path existingAncestor(Path p) {
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p;
    }
}
