package dev.claudemesh.cli;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.mesh.PeerStatus;
import dev.claudemesh.mesh.PeerView;
import dev.claudemesh.store.Stores;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.util.Optional;

/**
 * The CLI's composition root: opens the store the configuration names, exactly as the servers and hooks do, and
 * hands it to the domain. Commands use {@link #mesh} only.
 */
final class MeshOpener implements AutoCloseable {
    final Settings settings;
    final MeshConfig config;
    private final MeshStore store;
    final Mesh mesh;

    MeshOpener() {
        settings = Settings.load(MeshOpener.class);
        config = MeshConfig.from(settings);
        store = Stores.open(config);
        mesh = Mesh.of(store, config);
    }

    /**
     * Who this command speaks as: {@code --as NAME} when given (see {@link Mesh#speakAs}: never written), else
     * the command line's own name ({@link Mesh#commandLineName}), which {@code track} records for this process
     * (an ask: see {@link Mesh#joinAsCommandLine}).
     */
    String speaker(Optional<String> as, boolean track, CommandSpec spec) {
        if (as.isPresent()) {
            String problem = PeerNames.problem(as.get());
            if (problem != null) {
                throw new ParameterException(spec.commandLine(), "--as: " + TerminalText.line(problem));
            }
            try {
                return mesh.speakAs(as.get());
            } catch (MeshException e) {
                throw new MeshException("--as " + as.get() + ": " + e.getMessage() + " (claude-mesh peers lists them)");
            }
        }
        if (track) {
            return mesh.joinAsCommandLine(ProjectIdentity.resolve(config, Optional.empty())).name();
        }
        return mesh.commandLineName();
    }

    /** The end of a command that recorded itself ({@code track}): offline, unless another CLI process recorded itself since. */
    void leave(String name) {
        mesh.leaveAsServer(name);
    }

    /**
     * The peer PEER names, checked here so a person hears about it in the command line's words (the domain's
     * own messages are written for a model, naming tools): a valid name (else bad usage), not the speaker,
     * known to the mesh, and for an ask, online.
     */
    PeerView recipient(String name, String self, boolean mustBeOnline, CommandSpec spec) {
        String problem = PeerNames.problem(name);
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), "PEER: " + TerminalText.line(problem));
        }
        if (PeerNames.key(name).equals(PeerNames.key(self))) {
            throw new ParameterException(spec.commandLine(), "PEER is '" + name + "', the name this command speaks as "
                    + "(--as); name another peer");
        }
        PeerView peer = null;
        for (PeerView p : mesh.allPeers()) {
            if (PeerNames.key(p.name()).equals(PeerNames.key(name))) {
                peer = p;
            }
        }
        if (peer == null) {
            throw new MeshException("no peer named '" + name + "' in the mesh; `claude-mesh peers --all` lists every name it knows");
        }
        if (mustBeOnline && peer.status() == PeerStatus.OFFLINE) {
            throw new MeshException("'" + peer.name() + "' is offline, so nobody would answer; `claude-mesh peers` "
                    + "lists who is online (`claude-mesh send` leaves a message for its next session)");
        }
        return peer;
    }

    @Override
    public void close() {
        store.close();
    }
}
