package dev.claudemesh.mesh;

import java.time.Instant;

/** A peer as others see it: its stored facts with its status worked out now. */
public record PeerView(String name, PeerStatus status, String summary, String projectPath, Instant lastSeen, String host) {
}
