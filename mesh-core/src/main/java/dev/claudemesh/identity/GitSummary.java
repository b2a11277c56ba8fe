package dev.claudemesh.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A peer's default summary, made locally from git: the directory, the branch, and the last three commit
 * subjects. No network, no API key; when git is missing or this is not a repository, just the directory.
 */
public final class GitSummary {
    private GitSummary() {
    }

    public static String of(Path project) {
        String dir = project.getFileName() == null ? project.toString() : project.getFileName().toString();
        String branch = git(project, "rev-parse", "--abbrev-ref", "HEAD");
        if (branch == null) {
            return dir + " (not a git repository)";
        }
        String log = git(project, "log", "-3", "--format=%s");
        String subjects = log == null || log.isBlank() ? "no commits yet" : String.join("; ", log.strip().lines().toList());
        String summary = dir + " on " + branch + ": " + subjects;
        return summary.length() > 300 ? summary.substring(0, 297) + "..." : summary;
    }

    private static String git(Path dir, String... args) {
        List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8).strip() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
