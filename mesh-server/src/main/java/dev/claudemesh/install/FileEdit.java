package dev.claudemesh.install;

import dev.claudemesh.config.ConfigException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One planned change to one file: its text before (null when there is no file) and after (null to delete
 * it), and what changed, in words. Nothing touches the disk until {@link #apply()}.
 *
 * @param keepsLayout false when the file's own layout could not be reproduced, so lines we did not edit may
 *                    change too (their content does not)
 * @param newFileMode permissions for a file we create; an existing file keeps its own
 * @param backUp      whether to keep the content from before the change (install: yes; uninstall: no, since
 *                    a file without a backup is one install created, and a backup taken then would hold our
 *                    own entries and pass them off as the user's)
 */
public record FileEdit(Path path, String before, String after, List<String> changes, boolean keepsLayout,
                       Set<PosixFilePermission> newFileMode, boolean backUp) {

    static final String BACKUP_SUFFIX = ".claude-mesh-backup";

    public boolean changed() {
        return !Objects.equals(before, after);
    }

    /** Where the file's content from before claude-mesh first changed it is kept. */
    public Path backup() {
        return backupOf(path);
    }

    static Path backupOf(Path file) {
        return file.resolveSibling(file.getFileName() + BACKUP_SUFFIX);
    }

    public String diff() {
        return LineDiff.unified(before == null ? "/dev/null" : path.toString(), before,
                after == null ? "/dev/null" : path + " (after)", after);
    }

    /**
     * Backs the file up (once: an existing backup is never overwritten), then replaces it atomically: a
     * temporary file in the same directory, with the original's permissions, moved over it. A symbolic link
     * (a dotfiles repository, say) is followed, so the link stays and its target changes.
     *
     * @return true when this wrote the backup
     */
    public boolean apply() {
        if (!changed()) {
            return false;
        }
        Path target = followLinks(path);
        try {
            String now = Files.exists(target) ? Files.readString(target, StandardCharsets.UTF_8) : null;
            if (!Objects.equals(now, before)) {
                throw new ConfigException(path + ": changed while claude-mesh was reading it (a running Claude Code "
                        + "session, perhaps); it was left as it is; run the command again");
            }
            boolean backedUp = false;
            if (backUp && before != null && !Files.exists(backup(), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.copy(target, backup(), StandardCopyOption.COPY_ATTRIBUTES);
                backedUp = true;
            }
            if (after == null) {
                Files.delete(target);
                deleteIfEmpty(path.toAbsolutePath().getParent());
            } else {
                write(target, after, before == null ? newFileMode : permissions(target));
            }
            return backedUp;
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot be written (" + e + ")");
        }
    }

    private static void write(Path target, String text, Set<PosixFilePermission> mode) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".claude-mesh-tmp");
        try {
            if (mode != null && posix(tmp)) {
                Files.setPosixFilePermissions(tmp, mode);
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** A .claude directory install made for the file it just removed; one with anything else in it stays. */
    private static void deleteIfEmpty(Path dir) {
        if (dir != null && dir.getFileName() != null && dir.getFileName().toString().equals(".claude")) {
            try {
                Files.delete(dir);
            } catch (IOException notEmpty) {
                // it holds other files: it is not ours to remove
            }
        }
    }

    private static Set<PosixFilePermission> permissions(Path p) throws IOException {
        return posix(p) ? Files.getPosixFilePermissions(p) : null;
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    private static Path followLinks(Path p) {
        try {
            return Files.isSymbolicLink(p) ? p.toRealPath() : p;
        } catch (IOException e) {
            return p;
        }
    }
}
