package dev.claudemesh.mesh;

import dev.claudemesh.identity.ProjectIdentity;

import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;

/**
 * Which peer a hook process belongs to, and the session's life as its hooks report it: started (the session
 * id recorded on the server's row), carried on under a new id (after /clear or /resume), ended.
 */
final class Sessions {
    /** How long SessionStart looks for a claude-mesh server starting in its session before deciding it has none. */
    static final Duration NO_SERVER_GRACE = Duration.ofSeconds(3);

    private final MeshContext ctx;
    private final MeshStore store;
    private final Presence presence;

    Sessions(MeshContext ctx, Presence presence) {
        this.ctx = ctx;
        this.store = ctx.store;
        this.presence = presence;
    }

    Optional<ProcessRef> sessionProcess() {
        for (ProcessRef a : ctx.processes.ancestors()) {
            if (ctx.processes.runsServerChild(a)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    Optional<Peer> sessionPeer(ProjectIdentity id) {
        return sessionProcess().flatMap(claude -> peerOfSession(claude, id));
    }

    private Optional<Peer> peerOfSession(ProcessRef claude, ProjectIdentity id) {
        String project = id.projectPath().toString();
        return store.peers().stream()
                .filter(p -> ctx.onThisHost(p) && p.projectPath().equals(project)
                        && p.claude().map(c -> c.sameProcessAs(claude)).orElse(false))
                .filter(p -> presence.statusOf(p) != PeerStatus.OFFLINE)
                .min(Comparator.comparing(Peer::registeredAt));
    }

    Optional<Peer> startSession(ProjectIdentity id, String sessionId, Duration wait) {
        // Real time, not the mesh's clock: this is a wait for another process, however the clock is set.
        long start = System.nanoTime();
        long counter = Long.MIN_VALUE;
        Optional<ProcessRef> claude = Optional.empty();
        while (true) {
            if (claude.isEmpty()) {
                claude = sessionProcess();
            }
            long c = store.changeCounter();
            if (claude.isPresent() && c != counter) {
                counter = c;
                Optional<Peer> mine = peerOfSession(claude.get(), id);
                if (mine.isPresent()) {
                    if (sessionId != null && !sessionId.equals(mine.get().sessionId().orElse(null))) {
                        try {
                            store.recordSession(mine.get().name(), sessionId, ctx.now());
                            return store.peer(mine.get().name()).or(() -> mine);
                        } catch (StoreException busy) {
                            // The name is what the session must hear; its next prompt records the session id.
                        }
                    }
                    return mine;
                }
            }
            long waited = System.nanoTime() - start;
            if (waited >= wait.toNanos() || claude.isEmpty() && waited >= NO_SERVER_GRACE.toNanos()) {
                return Optional.empty();
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    void confirmSession(Peer peer, String sessionId) {
        if (sessionId != null && !sessionId.equals(peer.sessionId().orElse(null))) {
            store.recordSession(peer.name(), sessionId, ctx.now());
        }
    }

    Optional<String> endSession(String sessionId) {
        for (Peer p : store.peers()) {
            if (sessionId.equals(p.sessionId().orElse(null)) && p.state() == PeerState.ACTIVE && ctx.onThisHost(p)
                    && presence.isGone(p) && store.endSession(p.name(), sessionId, ctx.now())) {
                return Optional.of(p.name());
            }
        }
        return Optional.empty();
    }

    void recordTranscript(Peer self, Optional<String> path) {
        if (path.isPresent() && !path.get().isBlank() && !path.equals(self.transcript())) {
            try {
                store.recordTranscript(self.name(), path.get(), ctx.now());
            } catch (StoreException busy) {
                // Recorded by the next hook of this session; offers made meanwhile carry the path themselves.
            }
        }
    }
}
