package dev.claudemesh.e2e;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.store.Stores;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A peer in the sandbox's mesh that lives in the test process and sends many items at once, through the same
 * domain code a server runs: for scenarios about how they reach another session's model, where the sender
 * is not under test (a real session sending 2,000 messages would take minutes of tool calls).
 */
public final class Seeder implements AutoCloseable {
    private final MeshStore store;
    private final Mesh mesh;
    private final String name;

    public Seeder(Sandbox sandbox, Path project, String name) {
        Map<String, String> env = new LinkedHashMap<>(sandbox.meshEnvironment());
        env.put("HOME", sandbox.home.toString());
        MeshConfig config = MeshConfig.from(Settings.of(env, Map.of()));
        this.store = Stores.open(config);
        this.mesh = Mesh.of(store, config);
        this.name = mesh.joinAs(name, ProjectIdentity.of(project), "sends test items").name();
    }

    /** Sends {@code n} messages to {@code to}, each naming its number; returns their ids, in order. */
    public List<String> tell(String to, int n, String text) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(mesh.tell(name, to, text + " #" + i).id());
        }
        return ids;
    }

    @Override
    public void close() {
        store.close();
    }
}
