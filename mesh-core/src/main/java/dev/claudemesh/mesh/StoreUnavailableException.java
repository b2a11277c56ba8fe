package dev.claudemesh.mesh;

/**
 * The mesh database could not be reached (a PostgreSQL server restarting, a network gone). Nothing was
 * changed by the call that failed; the same call works again once the database is back, so a caller that
 * waits (a blocked ask_peer) keeps waiting instead of giving up.
 */
public class StoreUnavailableException extends StoreException {
    private static final long serialVersionUID = 1L;

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
