package dev.claudemesh.store;

import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.config.MeshConfig;

/** Opens the mesh the configuration names: PostgreSQL when MESH_DB_URL is set, else the SQLite file. */
public final class Stores {
    private Stores() {
    }

    /** For servers and the CLI: writers wait up to 10 s for each other. */
    public static MeshStore open(MeshConfig config) {
        return config.dbUrl().isPresent()
                ? PostgresStore.open(config.dbUrl().get(), SqliteStore.BUSY_TIMEOUT_MS / 1000)
                : SqliteStore.open(config.dbPath());
    }

    /** For hooks, which must finish well inside Claude Code's hook timeouts: waits are short. */
    public static MeshStore openForHook(MeshConfig config) {
        return config.dbUrl().isPresent()
                ? PostgresStore.open(config.dbUrl().get(), SqliteStore.HOOK_BUSY_TIMEOUT_MS / 1000)
                : SqliteStore.open(config.dbPath(), SqliteStore.HOOK_BUSY_TIMEOUT_MS);
    }
}
