package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.Optional;

/**
 * A session in the mesh, as stored.
 *
 * @param server the MCP server process serving this peer
 * @param claude     the Claude Code process that spawned that server: the session's process, which its hooks
 *                   find among their ancestors
 * @param transcript the session's transcript, as its SessionStart hook reported it: where proof appears that
 *                   the session's model saw an item
 */
public record Peer(String name, String projectPath, String gitRoot, String host, String summary, PeerState state,
                   Optional<String> sessionId, Optional<ProcessRef> server, Optional<ProcessRef> claude,
                   Instant registeredAt, Instant lastSeen, Optional<String> transcript) {
}
