package dev.claudemesh.mesh;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Clean-up (peers whose processes are gone, questions nobody waits for, old history) and the mesh's state. */
final class Housekeeping {
    private final MeshContext ctx;
    private final MeshStore store;
    private final Presence presence;
    private final Questions questions;

    Housekeeping(MeshContext ctx, Presence presence, Questions questions) {
        this.ctx = ctx;
        this.store = ctx.store;
        this.presence = presence;
        this.questions = questions;
    }

    GcReport gc(Optional<Duration> keep) {
        Instant now = ctx.now();
        List<String> reaped = new ArrayList<>();
        for (Peer p : store.peers()) {
            // Only this host's dead processes are certain; a silent peer elsewhere may only be cut off, and is
            // shown offline while its heartbeat is late without being marked so, so it is back when it beats again.
            if (p.state() == PeerState.ACTIVE && ctx.onThisHost(p) && presence.isGone(p) && store.markOffline(p.name(), now)) {
                reaped.add(p.name());
            }
        }
        Questions.Sweep swept = questions.sweep(questions.pending());
        int pruned = keep.map(k -> store.pruneHistory(now.minus(k))).orElse(0);
        int deleted = keep.map(k -> store.deleteOfflinePeers(now.minus(k))).orElse(0);
        return new GcReport(reaped, swept.expired(), swept.abandoned(), pruned, deleted);
    }

    MeshStatus status() {
        Map<PeerStatus, List<String>> byStatus = new EnumMap<>(PeerStatus.class);
        for (Peer p : store.peers()) {
            byStatus.computeIfAbsent(presence.statusOf(p), k -> new ArrayList<>()).add(p.name());
        }
        return new MeshStatus(store.where(), store.schemaVersion(), byStatus, store.waitingByRecipient());
    }
}
