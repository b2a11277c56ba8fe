package dev.claudemesh.mcp;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The tool calls in progress, found by their JSON-RPC ids when known, and how to cancel each. A quick call is
 * cancelled by interrupting the thread it runs on; a waiting one (ask_peer, await_answer) holds no thread, and
 * is cancelled by ending its wait. A client's cancellation cancels the call it names; when the client goes away
 * (stdin closed) every call is cancelled, and calls get a moment to write their responses.
 */
final class InFlight {
    /** One call: what cancelling it does at this moment. */
    static final class Call {
        private final String requestId;
        /** Null while nothing is to be done (before it runs, between steps). */
        private Runnable onCancel;
        private boolean cancelled;
        private boolean done;

        private Call(String requestId) {
            this.requestId = requestId;
        }

        /**
         * Runs {@code body} on this thread; a cancellation meanwhile interrupts it. The interrupt cannot outlive
         * the body: it is cleared under the same lock a cancellation takes, so the pool's next task never sees it.
         */
        <T> T onThisThread(Supplier<T> body) {
            Thread t = Thread.currentThread();
            Runnable interrupt = t::interrupt;
            synchronized (this) {
                if (cancelled) {
                    t.interrupt();
                }
                onCancel = interrupt;
            }
            try {
                return body.get();
            } finally {
                synchronized (this) {
                    if (onCancel == interrupt) {
                        onCancel = null; // unless the body handed cancelling to what it started (onCancel)
                    }
                    Thread.interrupted();
                }
            }
        }

        /**
         * From now on a cancellation runs {@code action}, at once if one came already. It runs on the cancelling
         * thread (stdin's reader) under this call's lock, so it must only hand work off.
         */
        synchronized void onCancel(Runnable action) {
            onCancel = action;
            if (cancelled && !done) {
                action.run();
            }
        }

        synchronized void cancel() {
            if (cancelled || done) {
                return;
            }
            cancelled = true;
            if (onCancel != null) {
                onCancel.run();
            }
        }
    }

    private final Set<Call> running = ConcurrentHashMap.newKeySet();
    private final Map<String, Call> byRequestId = new ConcurrentHashMap<>();
    /** Cancellations that arrived before their call started (the SDK may dispatch it a moment later). */
    private final Set<String> cancelledEarly = ConcurrentHashMap.newKeySet();

    Call enter(String requestId) {
        Call c = new Call(requestId);
        running.add(c);
        if (requestId != null) {
            byRequestId.put(requestId, c);
            if (cancelledEarly.remove(requestId)) {
                c.cancel();
            }
        }
        return c;
    }

    void exit(Call c) {
        synchronized (c) {
            c.done = true;
        }
        running.remove(c);
        if (c.requestId != null) {
            byRequestId.remove(c.requestId, c);
        }
        synchronized (this) {
            notifyAll();
        }
    }

    void cancel(String requestId) {
        Call c = byRequestId.get(requestId);
        if (c != null) {
            c.cancel();
        } else if (cancelledEarly.size() < 1000) {
            cancelledEarly.add(requestId);
        }
    }

    void cancelAll() {
        running.forEach(Call::cancel);
    }

    /**
     * Waits until no call has run for {@code quiet} (requests read just before end of input may not have
     * started yet), or {@code max} passes. Calls that start meanwhile are cancelled too.
     */
    synchronized void drain(Duration quiet, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        long quietSince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            if (!running.isEmpty()) {
                cancelAll();
                quietSince = System.nanoTime();
            } else if (System.nanoTime() - quietSince >= quiet.toNanos()) {
                return;
            }
            wait(10);
        }
    }
}
