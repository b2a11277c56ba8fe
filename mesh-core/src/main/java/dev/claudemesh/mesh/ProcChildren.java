package dev.claudemesh.mesh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process's children as Linux lists them ({@code /proc/PID/task/TID/children}), read directly: the JDK's
 * {@code ProcessHandle.children()} scans every process of the host to find them, which a hook that runs on
 * every prompt should not pay for.
 */
final class ProcChildren {
    private ProcChildren() {
    }

    /** Whether a child of {@code pid} runs a claude-mesh server; empty when /proc cannot say (not Linux). */
    static Optional<Boolean> runsServer(long pid) {
        Path tasks = Path.of("/proc", Long.toString(pid), "task");
        if (!Files.isDirectory(tasks)) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> ts = Files.newDirectoryStream(tasks)) {
            boolean any = false;
            for (Path task : ts) {
                Path list = task.resolve("children");
                if (!Files.exists(list)) {
                    return Optional.empty(); // a kernel without the children file: let the JDK look
                }
                any = true;
                for (String child : Files.readString(list, StandardCharsets.ISO_8859_1).trim().split("\\s+")) {
                    if (!child.isEmpty() && isServer(child)) {
                        return Optional.of(true);
                    }
                }
            }
            return any ? Optional.of(false) : Optional.empty();
        } catch (IOException e) {
            return Optional.of(false); // the process ended while we looked
        }
    }

    private static boolean isServer(String childPid) {
        try {
            byte[] cmd = Files.readAllBytes(Path.of("/proc", childPid, "cmdline"));
            return Processes.isServerCommand(new String(cmd, StandardCharsets.UTF_8).replace((char) 0, ' '));
        } catch (IOException gone) {
            return false;
        }
    }
}
