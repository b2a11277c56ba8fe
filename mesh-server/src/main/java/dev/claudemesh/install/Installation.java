package dev.claudemesh.install;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One checkout of claude-mesh: its launchers in {@code bin/} and the jars they run. Found from the running
 * jar (…/mesh-server/target/x.jar → …), so whatever directory the CLI is started from, "this installation"
 * is the one whose launcher started it.
 */
public record Installation(Path root) {

    public Path bin() {
        return root.resolve("bin");
    }

    public Path launcher(String name) {
        return bin().resolve(name);
    }

    /** The jar {@code bin/claude-mesh-launch} runs for hooks; without it every hook silently does nothing. */
    public Path hooksJar() {
        return root.resolve("mesh-hooks").resolve("target").resolve("claude-mesh-hooks.jar");
    }

    public Path serverJar() {
        return root.resolve("mesh-server").resolve("target").resolve("claude-mesh-server.jar");
    }

    /** The installation a launcher file belongs to (following symlinks, as the launcher itself does). */
    public static Optional<Installation> ofLauncher(Path launcher) {
        try {
            Path real = launcher.toRealPath();
            Path bin = real.getParent();
            return bin == null || bin.getParent() == null ? Optional.empty() : Optional.of(new Installation(bin.getParent()));
        } catch (java.io.IOException e) {
            return Optional.empty();
        }
    }

    /** The installation holding the running code, if it is run from a checkout with launchers. */
    public static Optional<Installation> current() {
        try {
            Path jar = Path.of(Installation.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path dir = jar.getParent(); dir != null; dir = dir.getParent()) {
                if (Files.isExecutable(dir.resolve("bin").resolve("claude-mesh-server"))) {
                    return Optional.of(new Installation(dir));
                }
            }
        } catch (URISyntaxException | RuntimeException e) {
            // fall through: no installation found
        }
        return Optional.empty();
    }

    /** The command that starts a server: the launcher when there is one, else this JVM on this jar. */
    public static List<String> serverCommand() {
        Optional<Installation> here = current();
        if (here.isPresent()) {
            return List.of(here.get().launcher("claude-mesh-server").toString());
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.claudemesh.mcp.ServerMain");
        return cmd;
    }
}
