package dev.claudemesh.mesh;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What every part of the domain shares: the store, how this process sees processes, the clock, the host it
 * records and judges others by, and the limits it was configured with. Made once per {@link Mesh}.
 */
final class MeshContext {
    final MeshStore store;
    final Processes processes;
    final Clock clock;
    final String host;
    final int maxMessageChars;
    /** How long after its last heartbeat a peer on another host counts as gone. */
    final Duration heartbeatTimeout;
    /** Made on first use: seeding costs a hook that never creates an id a few milliseconds for nothing. */
    private SecureRandom random;

    MeshContext(MeshStore store, Processes processes, Clock clock, String host, int maxMessageChars, Duration heartbeatTimeout) {
        this.store = store;
        this.processes = processes;
        this.clock = clock;
        this.host = host;
        this.maxMessageChars = maxMessageChars;
        this.heartbeatTimeout = heartbeatTimeout;
    }

    Instant now() {
        return clock.instant();
    }

    /** Whether {@code peer} was recorded by a process on this host, whose process ids mean something here. */
    boolean onThisHost(Peer peer) {
        return host.equals(peer.host());
    }

    /** Refuses {@code text} that is missing, blank (unless {@code emptyOk}) or longer than {@code max}. */
    void checkText(String what, String text, int max, boolean emptyOk) {
        if (text == null || (!emptyOk && text.isBlank())) {
            throw new MeshException(what + " is empty; write the text to send.");
        }
        if (text.length() > max) {
            throw new MeshException(what + " is " + text.length() + " characters, over the limit of " + max
                    + " (MESH_MAX_MESSAGE_CHARS); shorten it or send a file path instead.");
        }
    }

    /** A message-sized text: at most the configured MESH_MAX_MESSAGE_CHARS. */
    void checkText(String what, String text, boolean emptyOk) {
        checkText(what, text, maxMessageChars, emptyOk);
    }

    synchronized String newId(String prefix) {
        if (random == null) {
            random = new SecureRandom();
        }
        byte[] b = new byte[6];
        random.nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }
}
