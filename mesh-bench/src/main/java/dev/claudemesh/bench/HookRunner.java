package dev.claudemesh.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a hook the way Claude Code does: a new process through {@code /bin/sh -c COMMAND}, the event's JSON
 * written to its stdin and stdin closed, then wait for it to exit. Wall time runs from just before the process
 * is started until its exit has been seen. stdout and stderr go to files, so no reader thread of ours competes
 * with the hook. The hook is this process's descendant, as a hook is Claude Code's: started from the process
 * that also started the session's server, it finds that server's hook socket.
 */
final class HookRunner {
    record Run(int exitCode, double wallMs, String stdout, String stderr) {
    }

    private final Path scratch;

    HookRunner(Path scratch) {
        this.scratch = scratch;
    }

    Run run(Path launcher, Map<String, String> env, Path workDir, String stdinJson) throws IOException, InterruptedException {
        Path out = scratch.resolve("hook.out");
        Path err = scratch.resolve("hook.err");
        String command = "'" + launcher.toString().replace("'", "'\\''") + "'";
        ProcessBuilder pb = new ProcessBuilder(List.of("/bin/sh", "-c", command)).directory(workDir.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        BenchContext.cleanEnv(pb.environment());
        pb.environment().putAll(env);
        byte[] input = stdinJson.getBytes(StandardCharsets.UTF_8);
        long t0 = System.nanoTime();
        Process p = pb.start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(input);
        } catch (IOException ignored) {
            // a hook may exit without reading its input; that is its right
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw new BenchException(launcher.getFileName() + " did not finish within 60 s");
        }
        long t1 = System.nanoTime();
        return new Run(p.exitValue(), (t1 - t0) / 1e6, Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Claude Code's hook input: the common fields plus the event's own. */
    static String input(String event, String sessionId, Path cwd, Map<String, Object> extra) {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("session_id", sessionId);
        m.put("transcript_path", cwd.resolve(".transcript-" + sessionId + ".jsonl").toString());
        m.put("cwd", cwd.toString());
        m.put("permission_mode", "default");
        m.put("hook_event_name", event);
        m.putAll(extra);
        try {
            return McpProcess.JSON.writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
