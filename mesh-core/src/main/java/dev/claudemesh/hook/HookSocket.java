package dev.claudemesh.hook;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Optional;

/**
 * How a hook gets its session's server to answer for it, instead of opening the database itself.
 *
 * <p>Why: a hook is a new JVM for every prompt, and opening the mesh costs it the SQLite driver, its native
 * library and a thousand more classes; the session's server has all of that warm. So each server listens on a
 * Unix-domain socket named after its parent, the Claude Code process, and a hook walks up its own ancestors to
 * the first one that has a socket. It sends what it would have worked from (its input, its ancestors, its
 * configuration) and prints what comes back, which the server worked out with the same rules and the hook's
 * own view of the processes ({@link InboxPoll}), so it does not matter which server answers, only that one
 * does. On any failure the hook reads the database itself: a missing, stale or strange socket costs time,
 * never an answer.
 *
 * <p>Where: {@code run/} beside the database, a directory only its owner may enter (so every mesh file has its
 * own, and tests on temporary files never meet a real session's); a socket is {@code run/PID.sock}, PID being
 * the Claude Code process.
 *
 * <p>Exactly once: the server takes items off the inbox before it answers, and the hook confirms with one byte
 * once it holds the whole answer, before printing it. A server that hears no confirmation puts the items back,
 * so a hook that gave up and read the file instead, or died, loses nothing.
 *
 * <p>The exchange, in {@link DataOutputStream} encoding: the request is {@link #MAGIC}, {@link #VERSION}, then
 * the kind, the mesh (MeshConfig#where: the file, or the PostgreSQL server and database), host, project override (empty: none) and working directory as UTF strings, the hook's
 * process id, then stdin as a length and bytes. The
 * reply is {@link #MAGIC}, {@link #VERSION}, then {@link #ANSWERED} with stdout (length and bytes) and the
 * failure line for stderr (empty: none), or {@link #REFUSED} with the reason. Then the hook's {@link #CONFIRM}.
 */
public final class HookSocket {
    static final String MAGIC = "claude-mesh-hook";
    static final int VERSION = 1;
    static final byte ANSWERED = 'A';
    static final byte REFUSED = 'R';
    static final byte CONFIRM = 'C';
    /** Hook output is kept under about 8,000 characters; anything near this is not from a claude-mesh server. */
    static final int MAX_STDOUT = 1 << 20;
    /** The only kind served so far: the hook that runs on every prompt and every stop. */
    public static final String INBOX_POLL = "inbox-poll";
    /**
     * How long a hook waits for the whole answer once connected. Generous, since the server may wait for
     * another process's write lock; a hook that gives up still has most of its 10 s to read the file.
     */
    static final int ANSWER_TIMEOUT_MS = 3000;
    /** How long a server waits for a request, and then for the confirmation, before giving up on a hook. */
    static final int REQUEST_TIMEOUT_MS = 2000;
    static final int CONFIRM_TIMEOUT_MS = 3000;

    private HookSocket() {
    }

    /** The directory of the sockets for the mesh in {@code db}. */
    public static Path dir(Path db) {
        return db.toAbsolutePath().normalize().resolveSibling("run");
    }

    /** The socket of the server whose Claude Code process is {@code claudePid}. */
    public static Path socket(Path dir, long claudePid) {
        return dir.resolve(claudePid + ".sock");
    }

    /**
     * Why {@code dir} must not be used, or empty when it is ours alone: a real directory (not a link) owned by
     * this user that nobody else may enter. Anyone who could put a socket there could read hook input (the
     * user's prompt) and answer in the server's name.
     */
    static Optional<String> problemWith(Path dir) {
        try {
            PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!a.isDirectory()) {
                return Optional.of(dir + " is not a directory");
            }
            if (!a.owner().getName().equals(System.getProperty("user.name"))) {
                return Optional.of(dir + " belongs to " + a.owner().getName());
            }
            for (PosixFilePermission p : a.permissions()) {
                if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE
                        && p != PosixFilePermission.OWNER_EXECUTE) {
                    return Optional.of(dir + " is open to other users (" + p + ")");
                }
            }
            return Optional.empty();
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of(dir + ": " + e.getMessage());
        }
    }

    /**
     * What a hook sends: everything its own process would have worked from. Its ancestors are not sent but
     * read by the server from the hook process itself (alive, since it waits for the answer): reading their
     * start times would cost the hook more than all the rest of its request.
     */
    record Request(String kind, String mesh, String host, String projectOverride, String workingDir, long hookPid,
                   byte[] stdin) {

        void write(DataOutputStream out) throws IOException {
            out.writeUTF(MAGIC);
            out.writeInt(VERSION);
            out.writeUTF(kind);
            out.writeUTF(mesh);
            out.writeUTF(host);
            out.writeUTF(projectOverride);
            out.writeUTF(workingDir);
            out.writeLong(hookPid);
            out.writeInt(stdin.length);
            out.write(stdin);
            out.flush();
        }

        /** Reads a request; null when the bytes are not one (another program, or another version of ours). */
        static Request read(DataInputStream in) throws IOException {
            if (!MAGIC.equals(in.readUTF()) || in.readInt() != VERSION) {
                return null;
            }
            String kind = in.readUTF();
            String mesh = in.readUTF();
            String host = in.readUTF();
            String project = in.readUTF();
            String workingDir = in.readUTF();
            long hookPid = in.readLong();
            int n = in.readInt();
            if (n < 0 || n > HookInput.MAX_BYTES) {
                return null;
            }
            byte[] stdin = in.readNBytes(n);
            return stdin.length == n ? new Request(kind, mesh, host, project, workingDir, hookPid, stdin) : null;
        }
    }
}
