package dev.claudemesh.mcp;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The tool calls running right now: their threads, and their JSON-RPC ids when known. A client's
 * cancellation interrupts the call it names (a waiting ask_peer then ends, its question cancelled); when
 * the client goes away (stdin closed) every call is interrupted, and quick calls get a moment to finish
 * writing their responses.
 */
final class InFlight {
    private final Set<Thread> running = ConcurrentHashMap.newKeySet();
    private final Map<String, Thread> byRequestId = new ConcurrentHashMap<>();
    /** Cancellations that arrived before their call started (the SDK may dispatch it a moment later). */
    private final Set<String> cancelledEarly = ConcurrentHashMap.newKeySet();

    void enter(String requestId) {
        Thread t = Thread.currentThread();
        running.add(t);
        if (requestId != null) {
            byRequestId.put(requestId, t);
            if (cancelledEarly.remove(requestId)) {
                t.interrupt();
            }
        }
    }

    void exit(String requestId) {
        running.remove(Thread.currentThread());
        if (requestId != null) {
            byRequestId.remove(requestId);
        }
        Thread.interrupted(); // a cancellation that came after the call finished must not leak to the pool's next task
        synchronized (this) {
            notifyAll();
        }
    }

    void cancel(String requestId) {
        Thread t = byRequestId.get(requestId);
        if (t != null) {
            t.interrupt();
        } else if (cancelledEarly.size() < 1000) {
            cancelledEarly.add(requestId);
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
