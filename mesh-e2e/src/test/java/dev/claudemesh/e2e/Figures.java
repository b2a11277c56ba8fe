package dev.claudemesh.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Timings the scenarios observe in the real client, kept for the benchmark report (never asserted: machines
 * are shared and noisy). One line per observation in {@code mesh-e2e/target/e2e-figures.tsv}: figure, milliseconds.
 */
public final class Figures {
    private Figures() {
    }

    public static synchronized void record(String figure, double millis) {
        Path file = ClaudeCode.repoRoot().resolve("mesh-e2e/target/e2e-figures.tsv");
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, figure + "\t" + String.format(java.util.Locale.ROOT, "%.1f", millis) + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            System.err.println("could not record figure " + figure + ": " + e.getMessage());
        }
    }

    public static double ms(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e6;
    }
}
