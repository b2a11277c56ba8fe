package dev.claudemesh.mesh;

import java.util.Locale;

/** What a peer looks like to others right now; derived, never stored. */
public enum PeerStatus {
    /** Registered, its processes alive, seen in the last 30 minutes. */
    ACTIVE,
    /** Registered and not known dead, but not seen for over 30 minutes. */
    STALE,
    /** Ended its session, or its processes are gone. */
    OFFLINE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
