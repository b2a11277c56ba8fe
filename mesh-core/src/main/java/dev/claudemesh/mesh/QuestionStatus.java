package dev.claudemesh.mesh;

import java.util.Locale;

/** The life of a question: pending until exactly one of the other states ends it. */
public enum QuestionStatus {
    PENDING,
    ANSWERED,
    /** The asker's timeout ran out, or its target went offline while it waited. */
    EXPIRED,
    /** The asker's client cancelled the waiting call. */
    CANCELLED,
    /** The asker's process died while the question was pending. */
    ABANDONED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static QuestionStatus fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
