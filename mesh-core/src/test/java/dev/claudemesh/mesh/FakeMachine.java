package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The machine the domain's tests run on: a clock they move, which pids are dead, and which Claude Code pids have
 * a claude-mesh server among their children. Each process's view of it is a {@link FakeProcesses}; liveness is
 * one table for the whole machine, as on a real host.
 */
final class FakeMachine {
    static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");
    /** Start times are derived from the pid, so a ref made twice for one pid is the same process. */
    static final long START = 1_700_000_000_000L;

    final MutableClock clock = new MutableClock(T0);
    final Set<Long> dead = ConcurrentHashMap.newKeySet();
    final Set<Long> withServer = ConcurrentHashMap.newKeySet();

    static ProcessRef ref(long pid) {
        return new ProcessRef(pid, START + pid);
    }

    /** Process {@code selfPid}, child of {@code parentPid} (none when 0 or less), below {@code moreAncestors} and pid 1. */
    FakeProcesses processes(long selfPid, long parentPid, long... moreAncestors) {
        return new FakeProcesses(selfPid, parentPid, moreAncestors);
    }

    /** One process's view of the machine: who it is and who its ancestors are (tests may change them). */
    final class FakeProcesses implements Processes {
        volatile ProcessRef self;
        volatile ProcessRef parent;
        volatile List<ProcessRef> ancestors;

        private FakeProcesses(long selfPid, long parentPid, long... moreAncestors) {
            self = ref(selfPid);
            parent = parentPid <= 0 ? null : ref(parentPid);
            List<ProcessRef> a = new ArrayList<>();
            if (parent != null) {
                a.add(parent);
            }
            for (long pid : moreAncestors) {
                a.add(ref(pid));
            }
            a.add(ref(1));
            ancestors = List.copyOf(a);
        }

        @Override
        public ProcessRef self() {
            return self;
        }

        @Override
        public Optional<ProcessRef> parent() {
            return Optional.ofNullable(parent);
        }

        @Override
        public List<ProcessRef> ancestors() {
            return ancestors;
        }

        @Override
        public boolean isAlive(ProcessRef ref) {
            return !dead.contains(ref.pid());
        }

        @Override
        public boolean runsServerChild(ProcessRef parent) {
            return withServer.contains(parent.pid()) && !dead.contains(parent.pid());
        }
    }
}
