package dev.claudemesh.mesh;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What the mesh asks of the operating system about processes on this host. */
public interface Processes {
    ProcessRef self();

    /** Our parent: for a server, the Claude Code process that spawned it. */
    Optional<ProcessRef> parent();

    /** Our parent, its parent, and so on up to the root. */
    List<ProcessRef> ancestors();

    /** Whether {@code ref} still runs: same pid and, when both are known, the same start time. */
    boolean isAlive(ProcessRef ref);

    /**
     * Whether one of {@code parent}'s child processes runs a claude-mesh server: how a hook recognises the
     * Claude Code process of its own session (see {@link #isServerCommand}).
     */
    default boolean runsServerChild(ProcessRef parent) {
        return LOCAL.runsServerChild(parent);
    }

    /**
     * A claude-mesh server's command line: the JVM running its main class, or, in the moment before the
     * launcher replaces itself with that JVM, the launcher scripts.
     */
    static boolean isServerCommand(String commandLine) {
        return commandLine.contains("dev.claudemesh.mcp.ServerMain") || commandLine.contains("claude-mesh-server")
                || commandLine.contains("claude-mesh-launch server");
    }

    /** The real processes of this host, through {@link ProcessHandle}. */
    Processes LOCAL = new Processes() {
        @Override
        public ProcessRef self() {
            return ref(ProcessHandle.current());
        }

        @Override
        public Optional<ProcessRef> parent() {
            return ProcessHandle.current().parent().map(Processes::ref);
        }

        @Override
        public List<ProcessRef> ancestors() {
            return ancestorsOf(ProcessHandle.current());
        }

        @Override
        public boolean isAlive(ProcessRef ref) {
            Optional<ProcessHandle> h = ProcessHandle.of(ref.pid());
            if (h.isEmpty() || !h.get().isAlive()) {
                return false;
            }
            return ref.sameProcessAs(ref(h.get()));
        }

        @Override
        public boolean runsServerChild(ProcessRef parent) {
            if (!isAlive(parent)) {
                return false;
            }
            Optional<Boolean> fromProc = ProcChildren.runsServer(parent.pid());
            if (fromProc.isPresent()) {
                return fromProc.get();
            }
            return ProcessHandle.of(parent.pid()).map(h -> h.children().anyMatch(c -> c.info().commandLine()
                    .map(Processes::isServerCommand).orElse(false))).orElse(false);
        }
    };

    /** {@code host}, remembering which processes it has proven alive: for a process that asks often (the server). */
    static Processes remembering(Processes host) {
        return new RememberedProcesses(host);
    }

    /**
     * The JDK derives start instants from boot time plus clock ticks, so two readings of one process may
     * differ by rounding; a reused pid belongs to a process started much later.
     */
    static boolean sameStart(long a, long b) {
        return Math.abs(a - b) <= 1000;
    }

    /** {@code h}'s parent, its parent, and so on up to the root. */
    static List<ProcessRef> ancestorsOf(ProcessHandle h) {
        List<ProcessRef> out = new ArrayList<>();
        Optional<ProcessHandle> p = h.parent();
        while (p.isPresent() && out.size() < 64) {
            out.add(ref(p.get()));
            p = p.get().parent();
        }
        return out;
    }

    static ProcessRef ref(ProcessHandle h) {
        return new ProcessRef(h.pid(), startOf(h));
    }

    static long startOf(ProcessHandle h) {
        return h.info().startInstant().map(i -> i.toEpochMilli()).orElse(0L);
    }
}
