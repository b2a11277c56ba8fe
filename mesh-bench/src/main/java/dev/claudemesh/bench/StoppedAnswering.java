package dev.claudemesh.bench;

/** A server dropped several responses in a row: its process lives on, but it answers nothing any more. */
final class StoppedAnswering extends BenchException {
    private static final long serialVersionUID = 1L;

    StoppedAnswering(String message) {
        super(message);
    }
}
