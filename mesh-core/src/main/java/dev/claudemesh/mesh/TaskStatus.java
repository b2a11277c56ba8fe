package dev.claudemesh.mesh;

import java.util.Locale;

/** A delegated task is pending until its assignee completes it, or reports that it failed. */
public enum TaskStatus {
    PENDING, COMPLETED, FAILED;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static TaskStatus fromWire(String s) {
        return valueOf(s.toUpperCase(Locale.ROOT));
    }
}
