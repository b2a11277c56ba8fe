package dev.claudemesh.hook;

/** A hook cannot do its work; the message is the one line it leaves on stderr. */
public class HookException extends Exception {
    private static final long serialVersionUID = 1L;

    public HookException(String message) {
        super(message);
    }
}
