package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A session in the mesh, as stored.
 *
 * @param server        the MCP server process serving this peer, once one registered it
 * @param claude        the Claude Code process that spawned that server
 * @param hookAncestors the processes above the SessionStart hook that claimed this row (Claude Code among them)
 */
public record Peer(String name, String projectPath, String gitRoot, String host, String summary, PeerState state,
                   Optional<String> sessionId, Optional<ProcessRef> server, Optional<ProcessRef> claude,
                   Instant registeredAt, Instant lastSeen, List<ProcessRef> hookAncestors) {

    public Peer(String name, String projectPath, String gitRoot, String host, String summary, PeerState state,
                Optional<String> sessionId, Optional<ProcessRef> server, Optional<ProcessRef> claude,
                Instant registeredAt, Instant lastSeen) {
        this(name, projectPath, gitRoot, host, summary, state, sessionId, server, claude, registeredAt, lastSeen, List.of());
    }

    /** "pid:start,pid:start" for storage. */
    public static String encode(List<ProcessRef> refs) {
        StringBuilder out = new StringBuilder();
        for (ProcessRef r : refs) {
            out.append(out.length() == 0 ? "" : ",").append(r.pid()).append(':').append(r.startedAtMs());
        }
        return out.toString();
    }

    public static List<ProcessRef> decode(String s) {
        List<ProcessRef> out = new ArrayList<>();
        if (s != null && !s.isBlank()) {
            for (String part : s.split(",")) {
                String[] pr = part.split(":");
                try {
                    out.add(new ProcessRef(Long.parseLong(pr[0]), pr.length > 1 ? Long.parseLong(pr[1]) : 0));
                } catch (NumberFormatException ignored) {
                    // a damaged entry only loses that ancestor
                }
            }
        }
        return out;
    }
}
