package dev.claudemesh.mesh;

import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.MeshStore.PeerClaim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Who is in the mesh and under which name: joining, leaving, taking and giving up names, and whether a peer
 * is active, stale or offline. Every other part of the domain judges peers through {@link #statusOf}.
 */
final class Presence {
    static final Duration STALE_AFTER = Duration.ofMinutes(30);
    /** How many sessions of one project may hold numbered names (backend, backend-2, ...). */
    static final int MAX_SESSIONS_PER_NAME = 50;

    private final MeshContext ctx;
    private final MeshStore store;

    Presence(MeshContext ctx) {
        this.ctx = ctx;
        this.store = ctx.store;
    }

    Optional<Peer> peer(String name) {
        return store.peer(name);
    }

    /**
     * What this process records when it takes a name for project {@code id}: itself as the server, its parent
     * as the Claude Code process. {@code summary} and {@code sessionId} null keep what the row holds.
     */
    private PeerClaim claim(ProjectIdentity id, String summary, String sessionId) {
        return new PeerClaim(id.projectPath().toString(), id.gitRoot().toString(), ctx.host, summary, sessionId,
                ctx.processes.self(), ctx.processes.parent().orElse(null), ctx.now());
    }

    Peer joinAsServer(ProjectIdentity id) {
        ProcessRef self = ctx.processes.self();
        return store.claimName(candidates(id.baseName()), claim(id, null, null), row -> heldAgainstServer(row, self));
    }

    /** Whether {@code row} belongs to a live session other than this server's. */
    private boolean heldAgainstServer(Peer row, ProcessRef self) {
        if (row.state() == PeerState.OFFLINE || isGone(row)) {
            return false;
        }
        // A pid names a process only on its own host; another host's server with our pid is not us.
        return row.server().map(s -> s.pid() != self.pid() || !ctx.onThisHost(row)).orElse(true);
    }

    Peer register(String self, ProjectIdentity id, Optional<String> summary) {
        summary.ifPresent(s -> ctx.checkText("summary", s, 1000, true));
        return store.claimName(List.of(self), claim(id, summary.orElse(null), null), row -> false);
    }

    void heartbeat(String self) {
        store.touch(self, ctx.now());
    }

    String commandLineName() {
        String h = ctx.host.replaceAll("[^A-Za-z0-9.-]+", "-");
        String name = "cli@" + (h.isEmpty() ? "localhost" : h);
        return name.length() > PeerNames.MAX_LENGTH ? name.substring(0, PeerNames.MAX_LENGTH) : name;
    }

    Peer joinAsCommandLine(ProjectIdentity id) {
        return store.claimName(List.of(commandLineName()), claim(id, "claude-mesh command line", null), row -> false);
    }

    String speakAs(String name) {
        requireValidName(name, "");
        Optional<Peer> existing = store.peer(name);
        if (existing.isPresent() && statusOf(existing.get()) != PeerStatus.OFFLINE) {
            throw new MeshException("a session that may be live holds '" + existing.get().name() + "'; pick a name "
                    + "no live session has");
        }
        return existing.map(Peer::name).orElse(name);
    }

    Peer joinAs(String name, ProjectIdentity id, String summary) {
        requireValidName(name, "");
        ProcessRef me = ctx.processes.self();
        Optional<Peer> existing = store.peer(name);
        if (existing.isPresent() && existing.get().server().isPresent() && statusOf(existing.get()) != PeerStatus.OFFLINE
                && existing.get().server().get().pid() != me.pid()) {
            throw new MeshException("'" + name + "' is a live session's name; pick another");
        }
        return store.claimName(List.of(name), claim(id, summary, null), row -> false);
    }

    void leaveAsServer(String self) {
        store.releaseServer(self, ctx.processes.self().pid(), ctx.now());
    }

    Peer rename(String self, ProjectIdentity id, String newName) {
        requireValidName(newName, "name: ");
        if (PeerNames.key(newName).equals(PeerNames.key(self))) {
            return register(self, id, Optional.empty());
        }
        ProcessRef me = ctx.processes.self();
        Peer old = store.peer(self).orElse(null);
        PeerClaim claim = claim(id, old == null ? null : old.summary(), old == null ? null : old.sessionId().orElse(null));
        Predicate<Peer> held = row -> heldAgainstServer(row, me);
        Optional<Peer> current = store.peer(newName);
        if (current.isPresent() && held.test(current.get())) {
            throw new MeshException("'" + current.get().name() + "' is the name of a live session (" + current.get().projectPath()
                    + "); pick another name.");
        }
        Peer taken;
        try {
            taken = store.claimName(List.of(newName), claim, held);
        } catch (StoreException raced) {
            throw new MeshException("'" + newName + "' was just taken by another session; pick another name.");
        }
        store.releaseServer(self, me.pid(), ctx.now());
        return taken;
    }

    Peer setSummary(String self, String summary) {
        ctx.checkText("summary", summary, 1000, true);
        store.setSummary(self, summary.strip(), ctx.now());
        return store.peer(self).orElseThrow();
    }

    private static void requireValidName(String name, String prefix) {
        String problem = PeerNames.problem(name);
        if (problem != null) {
            throw new MeshException(prefix + problem);
        }
    }

    private static List<String> candidates(String base) {
        List<String> names = new ArrayList<>();
        for (int n = 1; n <= MAX_SESSIONS_PER_NAME; n++) {
            names.add(PeerNames.numbered(base, n));
        }
        return names;
    }

    /** Active, stale or offline, worked out now from the stored state, the processes and the last sighting. */
    PeerStatus statusOf(Peer p) {
        if (p.state() == PeerState.OFFLINE || isGone(p)) {
            return PeerStatus.OFFLINE;
        }
        return p.lastSeen().isBefore(ctx.now().minus(STALE_AFTER)) ? PeerStatus.STALE : PeerStatus.ACTIVE;
    }

    /** Whether the peer {@code name} can no longer answer: unknown, or offline by {@link #statusOf}. */
    boolean gone(String name) {
        return store.peer(name).map(this::statusOf).orElse(PeerStatus.OFFLINE) == PeerStatus.OFFLINE;
    }

    /**
     * A peer on this host whose recorded server (or, lacking one, Claude Code) process is gone, or that records
     * no process at all (a row an older version's SessionStart hook made); or a peer on another host whose last
     * heartbeat is older than the heartbeat timeout.
     */
    boolean isGone(Peer p) {
        if (!ctx.onThisHost(p)) {
            return p.lastSeen().isBefore(ctx.now().minus(ctx.heartbeatTimeout));
        }
        Optional<ProcessRef> proc = p.server().or(p::claude);
        return proc.isEmpty() || !ctx.processes.isAlive(proc.get());
    }

    /** Whether the session that holds {@code name} is still there, and still session {@code sessionId} if given. */
    boolean sessionGoesOn(String name, String sessionId) {
        Optional<Peer> p = store.peer(name);
        if (p.isEmpty() || statusOf(p.get()) == PeerStatus.OFFLINE) {
            return false;
        }
        return sessionId == null || p.get().sessionId().isEmpty() || sessionId.equals(p.get().sessionId().get());
    }

    Optional<Peer> holderElsewhere(String name, String projectPath) {
        return store.peer(name).filter(p -> !p.projectPath().equals(projectPath) && statusOf(p) != PeerStatus.OFFLINE);
    }

    List<PeerView> allPeers() {
        return store.peers().stream().map(this::view).toList();
    }

    private PeerView view(Peer p) {
        return new PeerView(p.name(), statusOf(p), p.summary(), p.projectPath(), p.lastSeen(), p.host());
    }

    List<PeerView> listPeers(String self, ProjectIdentity selfId, PeerScope scope, boolean includeStale) {
        String selfKey = PeerNames.key(self);
        Predicate<Peer> inScope = switch (scope) {
            case MACHINE -> p -> true;
            case DIRECTORY -> p -> p.projectPath().equals(selfId.projectPath().toString());
            case REPO -> p -> p.gitRoot().equals(selfId.gitRoot().toString());
        };
        return store.peers().stream()
                .filter(p -> !PeerNames.key(p.name()).equals(selfKey))
                .filter(inScope)
                .map(this::view)
                .filter(v -> includeStale || v.status() == PeerStatus.ACTIVE)
                .toList();
    }

    /** The peer {@code to}, known to the mesh and not the sender itself: whom a tell, ask or delegate reaches. */
    Peer recipient(String from, String to, String verb) {
        String problem = PeerNames.problem(to);
        if (problem != null) {
            throw new MeshException("'to' is not a valid peer name: " + problem + ". Use a name from list_peers.");
        }
        if (PeerNames.key(to).equals(PeerNames.key(from))) {
            throw new MeshException("You are '" + from + "'; a session cannot " + verb + " itself. Pick another peer from list_peers.");
        }
        return store.peer(to).orElseThrow(() -> new MeshException(
                "No peer named '" + to + "' in the mesh. Call list_peers (include_stale: true shows offline names too)."));
    }
}
