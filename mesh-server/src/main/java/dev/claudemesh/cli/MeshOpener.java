package dev.claudemesh.cli;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.Processes;
import dev.claudemesh.mesh.MeshStore.PeerClaim;
import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.store.Stores;

import java.util.List;
import java.util.Optional;

/** Opens the mesh the CLI works on, configured exactly as the servers and hooks are. */
final class MeshOpener implements AutoCloseable {
    final MeshConfig config;
    final MeshStore store;
    final Mesh mesh;

    MeshOpener() {
        config = MeshConfig.from(Settings.load(MeshOpener.class));
        store = Stores.open(config);
        mesh = Mesh.of(store, config);
    }

    /**
     * Takes {@code name} for this CLI process, so peers see who sent what and can write back (to a queue,
     * once the CLI has exited). Refused when a live session holds the name.
     */
    Peer joinAs(String name) {
        String problem = PeerNames.problem(name);
        if (problem != null) {
            throw new MeshException("--as: " + problem);
        }
        ProjectIdentity here = ProjectIdentity.resolve(config, Optional.empty());
        Peer existing = store.peer(name).orElse(null);
        if (existing != null && existing.server().isPresent() && mesh.statusOf(existing) != dev.claudemesh.mesh.PeerStatus.OFFLINE
                && existing.server().get().pid() != ProcessHandle.current().pid()) {
            throw new MeshException("'" + name + "' is a live session's name; pick another with --as");
        }
        PeerClaim claim = new PeerClaim(here.projectPath().toString(), here.gitRoot().toString(), config.host(),
                "claude-mesh command line", null, Processes.LOCAL.self(), Processes.LOCAL.parent().orElse(null), mesh.now());
        return store.claimName(List.of(name), claim, row -> false);
    }

    void leave(String name) {
        mesh.leaveAsServer(name);
    }

    @Override
    public void close() {
        store.close();
    }
}
