package dev.claudemesh.mesh;

/** What is stored about a peer: it announced itself, or it said goodbye (SessionEnd, server shutdown). */
public enum PeerState {
    ACTIVE, OFFLINE
}
