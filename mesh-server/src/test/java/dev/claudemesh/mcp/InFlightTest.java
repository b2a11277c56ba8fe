package dev.claudemesh.mcp;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cancellation reaches a call whichever step it is at: its body on a thread, or the wait the body started. */
class InFlightTest {
    final InFlight inFlight = new InFlight();

    @Test
    void aCancellationAfterTheBodyReturnedReachesTheWaitItStarted() {
        InFlight.Call call = inFlight.enter("7");
        AtomicInteger waitCancelled = new AtomicInteger();
        call.onThisThread(() -> {
            call.onCancel(waitCancelled::incrementAndGet);
            return null;
        });
        inFlight.cancel("7");
        inFlight.cancel("7");
        assertEquals(1, waitCancelled.get(), "the wait is cancelled, once");
    }

    @Test
    void aCancellationDuringTheBodyInterruptsItAndStillReachesTheWaitStartedAfter() {
        InFlight.Call call = inFlight.enter("8");
        AtomicInteger waitCancelled = new AtomicInteger();
        boolean interrupted = call.onThisThread(() -> {
            inFlight.cancel("8");
            boolean was = Thread.currentThread().isInterrupted();
            call.onCancel(waitCancelled::incrementAndGet);
            return was;
        });
        assertTrue(interrupted, "the body's thread is interrupted");
        assertFalse(Thread.currentThread().isInterrupted(), "the interrupt does not outlive the body");
        assertEquals(1, waitCancelled.get(), "what the body started is cancelled at once");
    }

    @Test
    void aCancellationThatCameBeforeTheCallIsAppliedWhenItStartsAndNoneAfterItEnds() {
        inFlight.cancel("9");
        InFlight.Call call = inFlight.enter("9");
        AtomicInteger waitCancelled = new AtomicInteger();
        call.onThisThread(() -> {
            call.onCancel(waitCancelled::incrementAndGet);
            return null;
        });
        assertEquals(1, waitCancelled.get());

        InFlight.Call done = inFlight.enter("10");
        AtomicInteger late = new AtomicInteger();
        done.onCancel(late::incrementAndGet);
        inFlight.exit(done);
        inFlight.cancel("10");
        assertEquals(0, late.get(), "a finished call is not cancelled");
    }
}
