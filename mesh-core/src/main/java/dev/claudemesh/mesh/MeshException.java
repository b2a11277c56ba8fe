package dev.claudemesh.mesh;

/**
 * Something the caller asked for that the mesh will not do. The message is written for the person or model
 * who must act on it: what went wrong and what to do next. Adapters show it as an error result or a stderr
 * line; it never carries a stack trace to the user.
 */
public class MeshException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MeshException(String message) {
        super(message);
    }
}
