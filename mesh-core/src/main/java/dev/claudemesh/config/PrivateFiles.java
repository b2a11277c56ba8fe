package dev.claudemesh.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The one rule for files the mesh trusts (its database and everything beside it, the hook sockets' directory,
 * the start-up cache, {@code .env}): owned by this user (or root, who could change anything anyway) and not
 * writable by group or others. Whoever could write such a file could speak as any peer, read what sessions
 * send, or redirect the mesh. And the one way to make them: private modes from the first moment, never through
 * a symbolic link another user may have planted where a file is about to be created.
 *
 * <p>On file systems without POSIX permissions (Windows) there is nothing to check and files are made plainly.
 */
public final class PrivateFiles {
    private static final Set<PosixFilePermission> DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final int S_IFMT = 0170000;
    private static final int S_IFDIR = 0040000;
    private static final int S_IFREG = 0100000;
    private static final int S_IFLNK = 0120000;
    private static final int GROUP_OR_OTHER_WRITE = 0022;

    private PrivateFiles() {
    }

    /** What a path is expected to be, which also decides whether a symbolic link is acceptable. */
    public enum Kind {
        /** A directory; a link to one is followed (a symlinked ~/.claude-mesh is the user's choice) and its target checked. */
        DIRECTORY,
        /** A file the mesh creates itself: a symbolic link there can only be a plant, so it is refused. */
        FILE,
        /** A file the user writes (.env): a link is followed, and both the link and its target must be trusted. */
        USER_FILE
    }

    /** Why a path must not be trusted ({@code what}, naming it) and what to do ({@code fix}). */
    public record Problem(String what, String fix) {
        /** The same problem, said of something more specific ("the mesh database directory " + what). */
        public Problem about(String prefix, String fixSuffix) {
            return new Problem(prefix + what, fix + fixSuffix);
        }

        @Override
        public String toString() {
            return what + "; fix: " + fix;
        }
    }

    /**
     * Why {@code p} must not be trusted; empty when it may be (or does not exist, or the file system has no
     * owners to check).
     */
    public static Optional<Problem> problem(Path p, Kind kind) {
        if (!posix(p)) {
            return Optional.empty();
        }
        try {
            Map<String, Object> link = attributes(p, LinkOption.NOFOLLOW_LINKS);
            Map<String, Object> a = link;
            if (type(link) == S_IFLNK) {
                if (kind == Kind.FILE) {
                    return Optional.of(new Problem(p + " is a symbolic link; the mesh makes its own files and never "
                            + "follows a link there (another user may have planted it)", "rm '" + p + "'"));
                }
                Optional<Problem> owner = ownerProblem(p, link);
                if (owner.isPresent()) {
                    return owner;
                }
                a = attributes(p);
            }
            int type = type(a);
            if (kind == Kind.DIRECTORY ? type != S_IFDIR : type != S_IFREG) {
                return Optional.of(new Problem(p + " is not a " + (kind == Kind.DIRECTORY ? "directory" : "regular file"),
                        "move it aside"));
            }
            Optional<Problem> owner = ownerProblem(p, a);
            if (owner.isPresent()) {
                return owner;
            }
            int mode = (Integer) a.get("mode");
            if ((mode & GROUP_OR_OTHER_WRITE) != 0) {
                return Optional.of(new Problem(p + " is writable by other users (mode "
                        + PosixFilePermissions.toString(permissions(mode)) + "), so they could "
                        + (kind == Kind.DIRECTORY ? "plant or replace the files in it" : "change it"),
                        "chmod go-w '" + p + "'"));
            }
            return Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.of(new Problem("cannot check who owns " + p + " (" + e + ")", "check its owner and mode"));
        }
    }

    /**
     * Creates {@code dir} and any missing parents, each 0700 (so no other user can enter one even for a
     * moment), and checks the result.
     */
    public static void createDirectories(Path dir) throws IOException {
        if (posix(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIRECTORY));
        } else {
            Files.createDirectories(dir);
        }
        Optional<Problem> problem = problem(dir, Kind.DIRECTORY);
        if (problem.isPresent()) {
            throw new IOException(problem.get().toString());
        }
    }

    /** Creates a new, empty file 0600; fails if anything (a file, a link) is there already. */
    public static void createFile(Path file) throws IOException {
        if (posix(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(FILE));
        } else {
            Files.createFile(file);
        }
    }

    /**
     * Opens {@code file} for writing, creating it 0600 when missing and never through a symbolic link; an
     * existing file must pass {@link #problem}. For lock files and the other small files beside the database.
     */
    public static FileChannel open(Path file, OpenOption... extra) throws IOException {
        Optional<Problem> problem = problem(file, Kind.FILE);
        if (problem.isPresent()) {
            throw new IOException(problem.get().toString());
        }
        Set<OpenOption> options = new java.util.HashSet<>(Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                LinkOption.NOFOLLOW_LINKS));
        options.addAll(java.util.Arrays.asList(extra));
        FileAttribute<?>[] attrs = posix(file)
                ? new FileAttribute<?>[]{PosixFilePermissions.asFileAttribute(FILE)} : new FileAttribute<?>[0];
        return FileChannel.open(file, options, attrs);
    }

    /** Replaces the content of {@code file} with {@code text}, as {@link #open} opens it. */
    public static void write(Path file, String text) throws IOException {
        try (FileChannel ch = open(file, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
        }
    }

    private static Optional<Problem> ownerProblem(Path p, Map<String, Object> a) {
        int uid = (Integer) a.get("uid");
        int me = Me.UID;
        if (uid != me && uid != 0) {
            return Optional.of(new Problem(p + " belongs to another user (uid " + uid + "; you are uid " + me
                    + "), who could change it at any time", "move it aside, or use a path of your own"));
        }
        return Optional.empty();
    }

    private static Map<String, Object> attributes(Path p, LinkOption... options) throws IOException {
        return Files.readAttributes(p, "unix:mode,uid", options);
    }

    private static int type(Map<String, Object> a) {
        return (Integer) a.get("mode") & S_IFMT;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = java.util.EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] order = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_READ};
        for (int bit = 0; bit < order.length; bit++) {
            if ((mode & (1 << bit)) != 0) {
                set.add(order[bit]);
            }
        }
        return set;
    }

    private static boolean posix(Path p) {
        return p.getFileSystem().supportedFileAttributeViews().contains("unix");
    }

    /** This process's effective user id, read once: from /proc on Linux, else from the JDK's Unix login module. */
    private static final class Me {
        static final int UID = read();

        private static int read() {
            Path status = FileSystems.getDefault().getPath("/proc/self/status");
            try {
                for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
                    if (line.startsWith("Uid:")) {
                        // "Uid:\treal\teffective\tsaved\tfs": the effective one decides what we may do
                        String ids = line.substring(4).strip();
                        int gap = ids.indexOf('\t');
                        String rest = ids.substring(gap + 1).strip();
                        int end = rest.indexOf('\t');
                        return Integer.parseInt(end < 0 ? rest : rest.substring(0, end));
                    }
                }
            } catch (IOException | RuntimeException notLinux) {
                // fall through
            }
            return (int) new com.sun.security.auth.module.UnixSystem().getUid();
        }
    }
}
