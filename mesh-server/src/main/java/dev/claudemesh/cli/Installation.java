package dev.claudemesh.cli;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Where this installation's launchers are, found from the running jar (…/mesh-server/target/x.jar → …/bin). */
final class Installation {
    private Installation() {
    }

    static Optional<Path> root() {
        try {
            Path jar = Path.of(Installation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path dir = jar.getParent(); dir != null; dir = dir.getParent()) {
                if (Files.isExecutable(dir.resolve("bin").resolve("claude-mesh-server"))) {
                    return Optional.of(dir);
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through: no installation found
        }
        return Optional.empty();
    }

    /** The command that starts a server: the launcher when there is one, else this JVM on this jar. */
    static List<String> serverCommand() {
        Optional<Path> root = root();
        if (root.isPresent()) {
            return List.of(root.get().resolve("bin").resolve("claude-mesh-server").toString());
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.claudemesh.mcp.ServerMain");
        return cmd;
    }
}
