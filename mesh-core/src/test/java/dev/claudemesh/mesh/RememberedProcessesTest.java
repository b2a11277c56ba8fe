package dev.claudemesh.mesh;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Remembering a process proven alive must never keep a dead one, or another one under its pid, alive. */
class RememberedProcessesTest {
    final Processes processes = Processes.remembering(Processes.LOCAL);

    @Test
    void aProcessProvenAliveStaysAliveUntilItExits() throws Exception {
        Process sleeper = new ProcessBuilder("sleep", "30").start();
        try {
            ProcessRef ref = Processes.ref(sleeper.toHandle());
            assertTrue(processes.isAlive(ref));
            assertTrue(processes.isAlive(ref), "asked again, from what it remembers");
            sleeper.destroyForcibly();
            assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS));
            assertFalse(processes.isAlive(ref), "gone, though it was remembered");
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void aLiveProcessUnderARecordedPidIsNotTheRecordedOneWhenItStartedAtAnotherTime() {
        ProcessRef me = Processes.LOCAL.self();
        assertTrue(processes.isAlive(me));
        ProcessRef earlier = new ProcessRef(me.pid(), me.startedAtMs() - 60_000);
        assertFalse(processes.isAlive(earlier), "the pid was reused: another process");
        assertTrue(processes.isAlive(me));
    }
}
