package dev.claudemesh.bench;

/** A measurement could not be taken, or what was measured was not what it should have been. */
class BenchException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BenchException(String message) {
        super(message);
    }
}
