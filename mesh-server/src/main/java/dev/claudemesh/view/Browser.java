package dev.claudemesh.view;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Opens the view in the person's browser when the machine has a way to: {@code open} on macOS, {@code xdg-open}
 * elsewhere when a desktop session is there ({@code DISPLAY} or {@code WAYLAND_DISPLAY}; without one xdg-open
 * would start a text browser in this very terminal). Never fails: the URL is printed either way.
 *
 * <p>The URL holds the token, and any local user can read a process's command line, so the URL is not passed as
 * an argument: the browser is given a private file (mode 0600, in a directory of mode 0700) that forwards to it.
 */
final class Browser {
    private Browser() {
    }

    /** Starts the browser on {@code url}; says whether a browser was asked to open it. */
    static boolean open(URI url, Map<String, String> env) {
        Optional<String> opener = opener(env);
        if (opener.isEmpty()) {
            return false;
        }
        try {
            Path dir = Files.createTempDirectory("claude-mesh-view",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path page = Files.createFile(dir.resolve("open.html"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            // The URL is ours (digits, hex and punctuation), so it needs no escaping inside the attribute.
            Files.writeString(page, "<!doctype html><meta charset=\"utf-8\"><meta name=\"referrer\" content=\"no-referrer\">"
                    + "<meta http-equiv=\"refresh\" content=\"0; url=" + url + "\"><title>claude-mesh view</title>",
                    StandardCharsets.UTF_8);
            dir.toFile().deleteOnExit(); // deleted in the reverse order: the file, then its directory
            page.toFile().deleteOnExit();
            new ProcessBuilder(opener.get(), page.toString())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return false;
        }
    }

    private static Optional<String> opener(Map<String, String> env) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("mac")) {
            return onPath("open", env);
        }
        boolean desktop = !env.getOrDefault("DISPLAY", "").isEmpty() || !env.getOrDefault("WAYLAND_DISPLAY", "").isEmpty();
        return desktop ? onPath("xdg-open", env) : Optional.empty();
    }

    private static Optional<String> onPath(String command, Map<String, String> env) {
        for (String dir : env.getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return Optional.of(Path.of(dir, command).toString());
            }
        }
        return Optional.empty();
    }
}
