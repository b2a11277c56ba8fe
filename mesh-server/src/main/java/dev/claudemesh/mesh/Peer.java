package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.Optional;

/**
 * A session in the mesh, as stored.
 *
 * @param server  the MCP server process serving this peer, once one registered it
 * @param claude  the Claude Code process that spawned that server
 */
public record Peer(String name, String projectPath, String gitRoot, String host, String summary, PeerState state,
                   Optional<String> sessionId, Optional<ProcessRef> server, Optional<ProcessRef> claude,
                   Instant registeredAt, Instant lastSeen) {
}
