package dev.claudemesh.cli;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.store.Stores;

import java.util.Optional;

/**
 * The CLI's composition root: opens the store the configuration names, exactly as the servers and hooks do, and
 * hands it to the domain. Commands use {@link #mesh} only.
 */
final class MeshOpener implements AutoCloseable {
    final MeshConfig config;
    private final MeshStore store;
    final Mesh mesh;

    MeshOpener() {
        config = MeshConfig.from(Settings.load(MeshOpener.class));
        store = Stores.open(config);
        mesh = Mesh.of(store, config);
    }

    /** Takes {@code name} for this CLI process (the {@code --as} option); see {@link Mesh#joinAs}. */
    Peer joinAs(String name) {
        return joinAs(name, "claude-mesh command line");
    }

    /** As {@link #joinAs(String)}, with the summary peers see for it. */
    Peer joinAs(String name, String summary) {
        try {
            return mesh.joinAs(name, ProjectIdentity.resolve(config, Optional.empty()), summary);
        } catch (MeshException e) {
            throw new MeshException("--as: " + e.getMessage());
        }
    }

    void leave(String name) {
        mesh.leaveAsServer(name);
    }

    @Override
    public void close() {
        store.close();
    }
}
