package dev.claudemesh.mesh;

/** The store could not be opened or used: a path, permission, lock or corruption problem, said plainly. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
