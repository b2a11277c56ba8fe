package dev.claudemesh.hook;

import dev.claudemesh.config.ConfigException;
import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.ProcessRef;
import dev.claudemesh.mesh.Processes;
import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.mesh.StoreException;


import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The server's side of {@link HookSocket}: listens on {@code run/CLAUDE_PID.sock} and answers the hooks of its
 * session (or of any hook that finds it) with the same rules and the hook's own view of the processes. Costs
 * nothing while no hook asks: one thread blocked in accept.
 */
public final class HookSocketServer implements AutoCloseable {
    /** Hooks of one session run one at a time; a few at once is already odd, more are turned away (they read the file). */
    private static final int MAX_AT_ONCE = 4;
    /** The process's one logger (stderr): this runs in servers, where stdout is JSON-RPC's, and in hook processes. */
    private static final Logger LOG = LoggerFactory.getLogger(HookSocketServer.class);

    private final MeshConfig config;
    private final MeshStore store;
    private final Processes processes;
    private final ServerSocketChannel listener;
    private final Path socket;
    private final Object fileKey;
    private final InboxPoll.Rules rules;
    private final Semaphore slots = new Semaphore(MAX_AT_ONCE);
    private final ScheduledExecutorService deadlines;
    private volatile boolean closed;

    private HookSocketServer(MeshConfig config, MeshStore store, Processes processes, InboxPoll.Rules rules,
                             ServerSocketChannel listener, Path socket, Object fileKey) {
        this.config = config;
        this.rules = rules;
        this.store = store;
        this.processes = processes;
        this.listener = listener;
        this.socket = socket;
        this.fileKey = fileKey;
        this.deadlines = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "mesh-hook-deadlines"));
        daemon(this::acceptLoop, "mesh-hook-socket").start();
    }

    /**
     * Starts answering hooks, or logs why it cannot (the hooks then read the database, as
     * without a server). A socket another live server of the same Claude Code process holds is left to it.
     */
    public static Optional<HookSocketServer> start(MeshConfig config, MeshStore store, Processes processes) {
        return start(config, store, processes, new InboxPoll.Rules(ToolUseItems.QUESTIONS,
                StopBlocks.counting(System.getenv(StopBlocks.CAP_ENV))));
    }

    /** @param rules what the server knows beyond a hook's input, shared with its mcp_tool hooks */
    public static Optional<HookSocketServer> start(MeshConfig config, MeshStore store, Processes processes,
                                                   InboxPoll.Rules rules) {
        Optional<ProcessRef> claude = processes.parent();
        if (claude.isEmpty()) {
            return Optional.empty();
        }
        Path dir = HookSocket.dir(config.dbPath());
        Path socket = HookSocket.socket(dir, claude.get().pid());
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
            Optional<String> problem = HookSocket.problemWith(dir);
            if (problem.isPresent()) {
                LOG.warn("hooks will read the database themselves: {}", problem.get());
                return Optional.empty();
            }
            removeStale(dir);
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                if (answers(socket)) {
                    return Optional.empty(); // a sibling server of the same Claude Code process answers its hooks
                }
                Files.deleteIfExists(socket);
            }
            ServerSocketChannel listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                listener.bind(UnixDomainSocketAddress.of(socket), 16);
            } catch (IOException e) {
                listener.close();
                if (answers(socket)) {
                    return Optional.empty(); // a sibling server bound it a moment before us
                }
                throw e;
            }
            Object key = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            return Optional.of(new HookSocketServer(config, store, processes, rules, listener, socket, key));
        } catch (IOException | RuntimeException e) {
            LOG.warn("hooks will read the database themselves: cannot listen on {} ({})", socket, e.toString());
            return Optional.empty();
        }
    }

    /** Sockets left by servers that died without removing them (kill -9, a crash) whose Claude Code is gone too. */
    private static void removeStale(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            files.forEach(f -> {
                String name = f.getFileName().toString();
                if (name.endsWith(".sock")) {
                    try {
                        long pid = Long.parseLong(name.substring(0, name.length() - 5));
                        if (ProcessHandle.of(pid).isEmpty()) {
                            Files.deleteIfExists(f);
                        }
                    } catch (NumberFormatException | IOException ignored) {
                        // not ours, or already gone
                    }
                }
            });
        } catch (IOException ignored) {
            // tidying only
        }
    }

    private static boolean answers(Path socket) {
        try {
            SocketChannel.open(UnixDomainSocketAddress.of(socket)).close(); // someone accepted: the socket is live
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public Path socket() {
        return socket;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = listener.accept();
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("stopped answering hooks: {}", e.getMessage());
                }
                return;
            }
            if (!slots.tryAcquire()) {
                closeQuietly(c); // the hook reads the file instead
                continue;
            }
            daemon(() -> {
                try {
                    serve(c);
                } finally {
                    closeQuietly(c);
                    slots.release();
                }
            }, "mesh-hook").start();
        }
    }

    private void serve(SocketChannel c) {
        ScheduledFuture<?> deadline = deadlines.schedule(() -> closeQuietly(c), HookSocket.REQUEST_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        InboxPoll.Answer answer = null;
        try {
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(c), 8192));
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(c), 8192));
            HookSocket.Request request = HookSocket.Request.read(in);
            deadline.cancel(false);
            String refusal = refusal(request);
            if (refusal != null) {
                writeHeader(out, HookSocket.REFUSED);
                out.writeUTF(refusal);
                out.flush();
                return;
            }
            String error = "";
            try {
                answer = run(request);
            } catch (HookException | ConfigException | MeshException | StoreException e) {
                // What the hook itself would have said on stderr, had it done the work.
                error = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
            }
            byte[] stdout = answer == null ? new byte[0] : answer.stdout().getBytes(StandardCharsets.UTF_8);
            deadline = deadlines.schedule(() -> closeQuietly(c), HookSocket.CONFIRM_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            writeHeader(out, HookSocket.ANSWERED);
            out.writeInt(stdout.length);
            out.write(stdout);
            out.writeUTF(error);
            out.flush();
            if (in.read() == HookSocket.CONFIRM) {
                answer = null; // it reached the hook: delivered
            }
        } catch (IOException e) {
            // the hook went away, or its time ran out: see below
        } catch (RuntimeException e) {
            LOG.error("answering a hook failed", e);
        } finally {
            deadline.cancel(false);
            if (answer != null && !answer.offered().isEmpty()) {
                putBack(answer);
            }
        }
    }

    /** Why this server will not answer {@code request}; the hook then does the work itself. */
    private String refusal(HookSocket.Request request) {
        if (request == null) {
            return "not a request this server understands";
        }
        if (!HookSocket.INBOX_POLL.equals(request.kind())) {
            return "this server does not answer " + request.kind() + " hooks";
        }
        if (!request.mesh().equals(config.where())) {
            // Two meshes can share the run directory (a PostgreSQL mesh keeps its sockets beside the default file).
            return "this server's mesh is " + config.where() + ", not " + request.mesh();
        }
        if (!request.host().equals(config.host())) {
            return "this server's host is '" + config.host() + "', not '" + request.host() + "'";
        }
        if (ProcessHandle.of(request.hookPid()).isEmpty()) {
            // Which peer a hook belongs to depends on its ancestors, read from its process: none, no answer.
            return "cannot see the hook's process " + request.hookPid();
        }
        return null;
    }

    /** The hook's work, done as the hook would: its input, its project, its ancestors, its host. */
    private InboxPoll.Answer run(HookSocket.Request r) throws HookException {
        HookInput input = HookInput.parse(r.stdin());
        ProjectIdentity identity = ProjectIdentity.resolve(
                r.projectOverride().isEmpty() ? Optional.empty() : Optional.of(Path.of(r.projectOverride())),
                input.string("cwd"), Path.of(r.workingDir()));
        ProcessHandle hook = ProcessHandle.of(r.hookPid()).orElseThrow(); // checked in refusal()
        Mesh mesh = Mesh.of(store, config, new AsSeenByHook(Processes.ref(hook), Processes.ancestorsOf(hook), processes),
                TRANSCRIPTS);
        return InboxPoll.answer(mesh, identity, input, rules);
    }

    /** The answer never reached its hook (no confirmation): what it took goes back to the inbox. */
    private static final Transcript TRANSCRIPTS = new Transcript();

    private void putBack(InboxPoll.Answer answer) {
        try {
            Mesh.of(store, config, processes, TRANSCRIPTS).inbox().notDelivered(answer.recipient(), answer.offered());
            LOG.warn("a hook did not confirm its answer; {} item(s) for '{}' stay in the inbox", answer.offered().size(),
                    answer.recipient());
        } catch (RuntimeException e) {
            LOG.warn("a hook did not confirm its answer, and putting its {} item(s) back failed: {}", answer.offered().size(),
                    e.getMessage());
        }
    }

    private static void writeHeader(DataOutputStream out, byte status) throws IOException {
        out.writeUTF(HookSocket.MAGIC);
        out.writeInt(HookSocket.VERSION);
        out.writeByte(status);
    }

    /** Stops listening and removes the socket, unless another server has replaced it meanwhile. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeQuietly(listener);
        deadlines.shutdownNow();
        try {
            Object key = Files.readAttributes(socket, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            if (key == null || key.equals(fileKey)) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException ignored) {
            // already gone
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing is best effort
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** This host's processes, except that the ancestors (and self) are those of the hook that asked. */
    private record AsSeenByHook(ProcessRef hook, List<ProcessRef> ancestors, Processes host) implements Processes {
        @Override
        public ProcessRef self() {
            return hook;
        }

        @Override
        public Optional<ProcessRef> parent() {
            return ancestors.isEmpty() ? Optional.empty() : Optional.of(ancestors.get(0));
        }

        @Override
        public boolean isAlive(ProcessRef ref) {
            return host.isAlive(ref);
        }
    }
}
