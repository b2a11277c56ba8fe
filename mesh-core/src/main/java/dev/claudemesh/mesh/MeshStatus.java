package dev.claudemesh.mesh;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The mesh at a glance ({@code claude-mesh status}).
 *
 * @param where         where the mesh lives, safe to print
 * @param schemaVersion the schema version of its database
 * @param peers         the names of the peers in each status
 * @param waiting       undelivered items per recipient (name key), sorted by name
 */
public record MeshStatus(String where, String schemaVersion, Map<PeerStatus, List<String>> peers,
                         Map<String, Integer> waiting) {
    public MeshStatus {
        peers = Map.copyOf(peers);
        waiting = Collections.unmodifiableMap(new TreeMap<>(waiting));
    }
}
