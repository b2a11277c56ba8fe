package dev.claudemesh.mesh;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * This host's processes, for a long-lived process (the server) that asks about the same few again and again:
 * every {@code tell_peer} asks whether its target's server still runs. Proving a recorded process is the one
 * running under its pid means reading its start time, which {@link ProcessHandle#info()} does along with its
 * command line and user, about 45 microseconds a time. Once a process has been proven alive, its handle is
 * kept: a handle the JDK makes again for that pid equals it only while the same process (same start time)
 * runs, and making one reads a single line of {@code /proc}.
 */
final class RememberedProcesses implements Processes {
    private static final int KEEP = 1024;

    private final Processes host;
    private final Map<ProcessRef, ProcessHandle> proven = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ProcessRef, ProcessHandle> eldest) {
            return size() > KEEP;
        }
    };

    RememberedProcesses(Processes host) {
        this.host = host;
    }

    @Override
    public ProcessRef self() {
        return host.self();
    }

    @Override
    public Optional<ProcessRef> parent() {
        return host.parent();
    }

    @Override
    public List<ProcessRef> ancestors() {
        return host.ancestors();
    }

    @Override
    public boolean isAlive(ProcessRef ref) {
        ProcessHandle known;
        synchronized (proven) {
            known = proven.get(ref);
        }
        if (known != null) {
            Optional<ProcessHandle> now = ProcessHandle.of(ref.pid());
            if (now.isPresent() && now.get().equals(known)) {
                return true;
            }
            synchronized (proven) {
                proven.remove(ref);
            }
            return false;
        }
        Optional<ProcessHandle> now = ProcessHandle.of(ref.pid());
        if (now.isEmpty() || !host.isAlive(ref)) {
            return false;
        }
        synchronized (proven) {
            proven.put(ref, now.get());
        }
        return true;
    }
}
