package dev.claudemesh.hookcmd;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.hook.HookException;
import dev.claudemesh.hook.HookInput;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.store.Stores;


/** What every hook sets up: its input, its configuration, its project identity and the open mesh. */
final class HookSession implements AutoCloseable {
    final HookInput input;
    final MeshConfig config;
    final ProjectIdentity identity;
    final Mesh mesh;
    private final MeshStore store;

    private HookSession(HookInput input, MeshConfig config, ProjectIdentity identity, MeshStore store, Mesh mesh) {
        this.input = input;
        this.config = config;
        this.identity = identity;
        this.store = store;
        this.mesh = mesh;
    }

    static HookSession open() throws HookException {
        return open(HookInput.readBytes(System.in), MeshConfig.from(Settings.load(HookSession.class)));
    }

    /** For a hook that has read its input and configuration already (inbox-poll, before asking its server). */
    static HookSession open(byte[] stdin, MeshConfig config) throws HookException {
        HookInput input = HookInput.parse(stdin);
        ProjectIdentity identity = ProjectIdentity.resolve(config, input.string("cwd"));
        MeshStore store = Stores.openForHook(config);
        Mesh mesh = Mesh.of(store, config, dev.claudemesh.mesh.Processes.LOCAL, new dev.claudemesh.hook.Transcript());
        return new HookSession(input, config, identity, store, mesh);
    }

    /** The file naming the current inbox-wait process of peer {@code name}, beside the database. */
    java.nio.file.Path waitToken(String name) {
        return config.dbPath().resolveSibling(config.dbPath().getFileName() + ".wait-"
                + dev.claudemesh.identity.PeerNames.key(name));
    }

    String sessionId() throws HookException {
        return input.string("session_id").orElseThrow(() -> new HookException("hook input has no session_id"));
    }

    @Override
    public void close() {
        store.close();
    }
}
