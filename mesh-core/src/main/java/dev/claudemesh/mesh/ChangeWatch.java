package dev.claudemesh.mesh;

import java.util.function.LongSupplier;

/**
 * Wakes threads that wait for "something in the store changed", for the whole process at once.
 *
 * <p>One daemon thread reads the store's change counter, but only while someone waits; with no waiters it
 * sleeps on a monitor and costs nothing. It reads every {@code fastMs} while an urgent waiter (a blocked
 * ask_peer) waits, and every {@code slowMs} while only background waiters (the channel push loop) do, so
 * a reply is seen within milliseconds and an idle session still costs next to nothing. The real query runs
 * only after the counter moved.
 *
 * <p>A store that pushes its changes (PostgreSQL's LISTEN/NOTIFY) needs no polling thread at all: the store
 * calls in on every change it hears of, and waiters simply sleep until then.
 */
public final class ChangeWatch implements AutoCloseable {
    private final LongSupplier counter;
    private final long fastMs;
    private final long slowMs;
    private long version;
    /** Moves whenever {@link #version} does, or {@link #wake} is called: what waiters compare. */
    private long stamp;
    private int waiters;
    private int urgentWaiters;
    private boolean closed;
    private Thread poller;
    private boolean pushed;

    public ChangeWatch(LongSupplier counter, long fastMs, long slowMs) {
        this.counter = counter;
        this.fastMs = fastMs;
        this.slowMs = slowMs;
    }

    public ChangeWatch(LongSupplier counter, long intervalMs) {
        this(counter, intervalMs, intervalMs);
    }

    /** A watch on {@code store}: told of changes by the store when it can push them, else polling as above. */
    public static ChangeWatch on(MeshStore store, long fastMs, long slowMs) {
        ChangeWatch w = new ChangeWatch(store::changeCounter, fastMs, slowMs);
        if (store.pushesChanges()) {
            synchronized (w) {
                w.pushed = true;
            }
            store.onChange(w::changed);
        }
        return w;
    }

    public static ChangeWatch on(MeshStore store, long intervalMs) {
        return on(store, intervalMs, intervalMs);
    }

    /** The store saw a change (push mode). */
    private synchronized void changed() {
        publish(counter.getAsLong());
    }

    /**
     * Reads the counter now and returns a stamp to wait on. Take it before reading the state you will wait on,
     * so no change is missed.
     */
    public synchronized long current() {
        publish(counter.getAsLong());
        return stamp;
    }

    /**
     * Wakes every waiter as if the store had changed, for a change it cannot see: a new wait for one thread
     * that keeps many ({@link AnswerWaits}) to look at.
     */
    public synchronized void wake() {
        stamp++;
        notifyAll();
    }

    /** Waits, urgently, until the stamp differs from {@code seen}, or {@code timeoutMs} passes. */
    public long awaitChange(long seen, long timeoutMs) throws InterruptedException {
        return awaitChange(seen, timeoutMs, true);
    }

    /**
     * Waits until the stamp differs from {@code seen} (the store changed, or someone called {@link #wake}), or
     * {@code timeoutMs} passes.
     *
     * @param urgent whether this wait needs the fast interval
     * @return the latest stamp
     */
    public long awaitChange(long seen, long timeoutMs, boolean urgent) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
        synchronized (this) {
            waiters++;
            if (urgent) {
                urgentWaiters++;
            }
            startPoller();
            notifyAll();
            try {
                long left;
                while (stamp == seen && !closed && (left = deadline - System.nanoTime()) > 0) {
                    wait(Math.max(1, left / 1_000_000L));
                }
                return stamp;
            } finally {
                waiters--;
                if (urgent) {
                    urgentWaiters--;
                }
            }
        }
    }

    private void startPoller() {
        if (poller == null && !closed && !pushed) {
            poller = new Thread(this::poll, "mesh-change-watch");
            poller.setDaemon(true);
            poller.start();
        }
    }

    private void poll() {
        try {
            while (true) {
                long interval;
                synchronized (this) {
                    while (waiters == 0 && !closed) {
                        wait();
                    }
                    if (closed) {
                        return;
                    }
                    interval = urgentWaiters > 0 ? fastMs : slowMs;
                }
                long v = counter.getAsLong();
                synchronized (this) {
                    publish(v);
                    if (urgentWaiters == 0 && interval != fastMs) {
                        // An urgent waiter arriving during a slow sleep wakes us (notifyAll in awaitChange).
                        wait(interval);
                        continue;
                    }
                }
                Thread.sleep(interval);
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
            stamp++;
            notifyAll();
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        notifyAll();
    }
}
