package dev.claudemesh.mcp;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tool calls running right now, by thread. When the client goes away (stdin closed) the server
 * interrupts them, so a waiting ask_peer ends as cancelled instead of holding the process, and then gives
 * quick calls a moment to finish writing their responses.
 */
final class InFlight {
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();

    void enter() {
        running.add(Thread.currentThread());
    }

    void exit() {
        running.remove(Thread.currentThread());
        synchronized (this) {
            notifyAll();
        }
    }

    void interruptAll() {
        running.forEach(Thread::interrupt);
    }

    /**
     * Waits until no call has run for {@code quiet} (requests read just before end of input may not have
     * started yet), or {@code max} passes. Calls that start meanwhile are interrupted too.
     */
    synchronized void drain(Duration quiet, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            if (!running.isEmpty()) {
                interruptAll();
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= quiet.toNanos()) {
                return;
            }
            wait(10);
        }
    }
}
