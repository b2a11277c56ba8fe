package dev.claudemesh.hookcmd;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.hook.HookSocketServer;
import dev.claudemesh.mesh.Processes;
import dev.claudemesh.mesh.MeshStore;
import dev.claudemesh.store.Stores;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * The training run behind the launchers' class-data archive: every hook once, in one JVM, against a
 * throw-away mesh, so the archive written at exit holds the classes a real hook loads. Run by
 * {@code bin/claude-mesh-launch --prepare} with MESH_DB_PATH pointing at a temporary file; never by users.
 */
final class Training {
    private Training() {
    }

    // "try": the hook socket server is a resource that answers for the block's duration, never referenced in it.
    @SuppressWarnings("try")
    static void run() throws Exception {
        Path project = Files.createTempDirectory("claude-mesh-training");
        String cwd = project.toString();
        InputStream stdin = System.in;
        try {
            hook(new SessionStartHook(), "{\"session_id\":\"t\",\"cwd\":\"" + cwd + "\",\"hook_event_name\":\"SessionStart\",\"source\":\"startup\"}");
            hook(new InboxPollHook(), "{\"session_id\":\"t\",\"cwd\":\"" + cwd + "\",\"hook_event_name\":\"UserPromptSubmit\",\"prompt\":\"x\"}");
            hook(new InboxPollHook(), "{\"session_id\":\"t\",\"cwd\":\"" + cwd + "\",\"hook_event_name\":\"Stop\",\"stop_hook_active\":false}");
            // inbox-poll's everyday way: its session's server answers over the hook socket. A server in this JVM
            // stands in (this process's parent names the socket for both sides), so the client's classes are
            // archived too.
            MeshConfig config = MeshConfig.from(Settings.load(Training.class));
            try (MeshStore store = Stores.open(config);
                 HookSocketServer server = HookSocketServer.start(config, store, Processes.LOCAL).orElse(null)) {
                hook(new InboxPollHook(), "{\"session_id\":\"t\",\"cwd\":\"" + cwd + "\",\"hook_event_name\":\"UserPromptSubmit\",\"prompt\":\"x\"}");
                hook(new InboxPollHook(), "{\"session_id\":\"t\",\"cwd\":\"" + cwd + "\",\"hook_event_name\":\"Stop\",\"stop_hook_active\":false}");
            }
            hook(new SessionEndHook(), "{\"session_id\":\"t\",\"cwd\":\"" + cwd + "\",\"hook_event_name\":\"SessionEnd\",\"reason\":\"other\"}");
        } finally {
            System.setIn(stdin);
            Files.deleteIfExists(project);
        }
    }

    private static void hook(Callable<?> command, String json) {
        System.setIn(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
        try {
            command.call();
        } catch (Exception e) {
            // Diagnostics (the launcher's prepare step keeps them out of sight): a hook that fails in training
            // still leaves its classes in the archive.
            org.slf4j.LoggerFactory.getLogger(Training.class).warn("training: {}", e.getMessage());
        }
    }
}
