package dev.claudemesh.cli;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerStatus;
import dev.claudemesh.mesh.Processes;
import dev.claudemesh.store.MeshStore.PeerClaim;
import dev.claudemesh.store.MeshStore;
import dev.claudemesh.store.Stores;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.util.List;
import java.util.Optional;

/** Opens the mesh the CLI works on, configured exactly as the servers and hooks are. */
final class MeshOpener implements AutoCloseable {
    final Settings settings;
    final MeshConfig config;
    final MeshStore store;
    final Mesh mesh;

    MeshOpener() {
        settings = Settings.load(MeshOpener.class);
        config = MeshConfig.from(settings);
        store = Stores.open(config);
        mesh = Mesh.of(store, config);
    }

    /**
     * The name the command line speaks as unless {@code --as} says otherwise: {@code cli@HOST}. A peer name
     * may not hold '@', so no project or session can ever have it, and every CLI process on a machine shares
     * it: several commands in several terminals never compete for a name.
     */
    static String cliName(String host) {
        String h = host.replaceAll("[^A-Za-z0-9.-]+", "-");
        String name = "cli@" + (h.isEmpty() ? "localhost" : h);
        return name.length() > PeerNames.MAX_LENGTH ? name.substring(0, PeerNames.MAX_LENGTH) : name;
    }

    /**
     * Who this command speaks as. By default {@link #cliName}; when {@code track} (an ask, whose asker must be
     * seen alive by sessions on other hosts), that shared row is recorded for this process, with the
     * project it runs in, as no session's record. With {@code --as NAME}: that name, refused when a session
     * that may be live holds it, and never written: the record of a session that had the name (its project,
     * summary, processes) stays exactly as it was.
     */
    String speaker(Optional<String> as, boolean track, CommandSpec spec) {
        if (as.isPresent()) {
            String name = as.get();
            String problem = PeerNames.problem(name);
            if (problem != null) {
                throw new ParameterException(spec.commandLine(), "--as: " + problem);
            }
            Optional<Peer> existing = store.peer(name);
            if (existing.isPresent() && mesh.statusOf(existing.get()) != PeerStatus.OFFLINE) {
                throw new MeshException("--as " + name + ": a session that may be live holds '" + existing.get().name()
                        + "'; pick a name no live session has (claude-mesh peers lists them)");
            }
            return name;
        }
        String name = cliName(config.host());
        if (track) {
            ProjectIdentity here = ProjectIdentity.resolve(config, Optional.empty());
            PeerClaim claim = new PeerClaim(here.projectPath().toString(), here.gitRoot().toString(), config.host(),
                    "claude-mesh command line", null, Processes.LOCAL.self(), Processes.LOCAL.parent().orElse(null), mesh.now());
            store.claimName(List.of(name), claim, row -> false);
        }
        return name;
    }

    /** The end of a command that recorded itself ({@code track}): offline, unless another CLI process recorded itself since. */
    void leave(String name) {
        mesh.leaveAsServer(name);
    }

    /**
     * The peer PEER names, checked here so a person hears about it in the command line's words (the domain's
     * own messages are written for a model, naming tools): a valid name (else bad usage), known to the mesh,
     * not the speaker, and for an ask, online.
     */
    Peer recipient(String name, String self, boolean mustBeOnline, CommandSpec spec) {
        String problem = PeerNames.problem(name);
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), "PEER: " + problem);
        }
        if (PeerNames.key(name).equals(PeerNames.key(self))) {
            throw new ParameterException(spec.commandLine(), "PEER is '" + name + "', the name this command speaks as "
                    + "(--as); name another peer");
        }
        Peer peer = store.peer(name).orElseThrow(() -> new MeshException("no peer named '" + name
                + "' in the mesh; `claude-mesh peers --all` lists every name it knows"));
        if (mustBeOnline && mesh.statusOf(peer) == PeerStatus.OFFLINE) {
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
