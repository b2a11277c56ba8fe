package dev.claudemesh.e2e;

import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A reaction that holds the model's first answer until the test opens it: a model still thinking, so that
 * something can happen in the mesh in the middle of a turn (after its prompt hook, before its Stop).
 */
public final class Gate implements Function<ApiRequest, Optional<Reply>> {
    private final CountDownLatch open = new CountDownLatch(1);
    private final CountDownLatch reached = new CountDownLatch(1);

    @Override
    public Optional<Reply> apply(ApiRequest request) {
        reached.countDown();
        try {
            if (!open.await(240, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the gate was never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return Optional.empty();
    }

    /** Waits until the model is thinking (a request reached the gate). */
    public void awaitReached() throws InterruptedException {
        if (!reached.await(120, TimeUnit.SECONDS)) {
            throw new AssertionError("the session never sent the model a request");
        }
    }

    public void open() {
        open.countDown();
    }
}
