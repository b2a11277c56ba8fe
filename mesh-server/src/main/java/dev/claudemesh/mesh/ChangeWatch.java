package dev.claudemesh.mesh;

import java.util.function.LongSupplier;

/**
 * Wakes threads that wait for "something in the store changed", for the whole process at once.
 *
 * <p>One daemon thread reads the store's change counter every few milliseconds, but only while someone
 * waits; with no waiters it sleeps on a monitor and costs nothing. That keeps a waiting ask_peer within
 * milliseconds of a reply committed by another process, without a one-second poll and without re-running
 * queries: the real query runs only after the counter moved.
 */
public final class ChangeWatch implements AutoCloseable {
    private final LongSupplier counter;
    private final long intervalMs;
    private long version;
    private int waiters;
    private boolean closed;
    private Thread poller;

    public ChangeWatch(LongSupplier counter, long intervalMs) {
        this.counter = counter;
        this.intervalMs = intervalMs;
    }

    /** Reads the counter now. Take this before reading the state you will wait on, so no change is missed. */
    public synchronized long current() {
        publish(counter.getAsLong());
        return version;
    }

    /**
     * Waits until the counter differs from {@code seen}, or {@code timeoutMs} passes.
     *
     * @return the counter's latest value
     */
    public long awaitChange(long seen, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        synchronized (this) {
            waiters++;
            startPoller();
            notifyAll();
            try {
                long left;
                while (version == seen && !closed && (left = deadline - System.nanoTime()) > 0) {
                    wait(Math.max(1, left / 1_000_000L));
                }
                return version;
            } finally {
                waiters--;
            }
        }
    }

    private void startPoller() {
        if (poller == null && !closed) {
            poller = new Thread(this::poll, "mesh-change-watch");
            poller.setDaemon(true);
            poller.start();
        }
    }

    private void poll() {
        try {
            while (true) {
                synchronized (this) {
                    while (waiters == 0 && !closed) {
                        wait();
                    }
                    if (closed) {
                        return;
                    }
                }
                long v = counter.getAsLong();
                synchronized (this) {
                    publish(v);
                }
                Thread.sleep(intervalMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            // The store failed (closed at shutdown, or gone); waiters fall back to their own timeouts.
            synchronized (this) {
                poller = null;
            }
        }
    }

    private void publish(long v) {
        if (v != version) {
            version = v;
            notifyAll();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
