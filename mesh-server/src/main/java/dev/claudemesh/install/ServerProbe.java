package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Starts a server as Claude Code would and sends it a raw {@code initialize}. It runs on a throwaway database
 * and project, so that trying the server neither shows a phantom peer to the sessions on the real mesh nor
 * leaves a row behind, and it leaves no process behind: stdin is closed (the server exits on end of input),
 * and whatever still runs after a few seconds is killed, children first.
 */
final class ServerProbe {
    static final String REQUEST = "{\"jsonrpc\":\"2.0\",\"id\":\"doctor\",\"method\":\"initialize\",\"params\":{"
            + "\"protocolVersion\":\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"claude-mesh-doctor\",\"version\":\"1\"}}}";

    record Result(boolean ok, String detail) {
    }

    private ServerProbe() {
    }

    static Result run(List<String> command, Map<String, String> env, Duration timeout) {
        Path tmp;
        try {
            tmp = Files.createTempDirectory("claude-mesh-doctor");
        } catch (IOException e) {
            return new Result(false, "cannot create a temporary directory (" + e.getMessage() + ")");
        }
        Process p = null;
        List<ProcessHandle> children = List.of();
        try {
            Path project = Files.createDirectory(tmp.resolve("doctor-probe"));
            Path stderr = tmp.resolve("stderr");
            ProcessBuilder pb = new ProcessBuilder(command).directory(project.toFile())
                    .redirectError(stderr.toFile());
            pb.environment().putAll(env);
            pb.environment().put("MESH_DB_PATH", tmp.resolve("mesh.db").toString());
            // Set and empty, so neither this environment, the entry's env nor a .env can point the probe at a
            // shared PostgreSQL mesh, where every session would see it (doctor checks that database separately).
            pb.environment().put("MESH_DB_URL", "");
            pb.environment().put("CLAUDE_MESH_PROJECT_PATH", project.toString());
            pb.environment().remove("CLAUDE_PROJECT_DIR");
            long start = System.nanoTime();
            p = pb.start();
            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Process proc = p;
            Thread reader = new Thread(() -> readLines(proc, lines), "doctor-probe-stdout");
            reader.setDaemon(true);
            reader.start();
            try {
                OutputStream in = p.getOutputStream();
                in.write((REQUEST + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            } catch (IOException exitedAlready) {
                // it stopped before reading; the loop below reports how it exited
            }

            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS) : null;
                if (line != null) {
                    JsonNode msg = parse(line);
                    if (msg == null) {
                        return new Result(false, "wrote something other than JSON-RPC on stdout: " + cut(line));
                    }
                    if ("doctor".equals(msg.path("id").asText())) {
                        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                        JsonNode info = msg.path("result").path("serverInfo");
                        if (info.isMissingNode()) {
                            return new Result(false, "answered initialize with an error: " + cut(msg.path("error").toString()));
                        }
                        children = p.descendants().toList();
                        return new Result(true, "started and answered initialize in " + ms + " ms ("
                                + info.path("name").asText() + " " + info.path("version").asText() + ")");
                    }
                } else if (!p.isAlive()) {
                    return new Result(false, "exited with code " + p.exitValue() + " before answering initialize"
                            + lastLine(stderr));
                } else if (left <= 0) {
                    children = p.descendants().toList();
                    return new Result(false, "did not answer initialize within " + timeout.toSeconds() + " s" + lastLine(stderr));
                }
            }
        } catch (IOException e) {
            return new Result(false, "cannot be started (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        } finally {
            stop(p, children);
            deleteTree(tmp);
        }
    }

    private static void stop(Process p, List<ProcessHandle> children) {
        if (p == null) {
            return;
        }
        try {
            p.getOutputStream().close();
        } catch (IOException ignored) {
            // already gone
        }
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        // Children seen while it ran outlive it when it exits first (a wrapper script, say).
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private static void readLines(Process p, BlockingQueue<String> lines) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                lines.add(line);
            }
        } catch (IOException ignored) {
            // the process ended
        }
    }

    private static JsonNode parse(String line) {
        try {
            return JsonFile.MAPPER.readTree(line);
        } catch (IOException e) {
            return null;
        }
    }

    private static String lastLine(Path stderr) {
        try {
            return Files.readAllLines(stderr, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank())
                    .reduce((a, b) -> b).map(l -> ": " + cut(l)).orElse("");
        } catch (IOException e) {
            return "";
        }
    }

    private static String cut(String s) {
        return s.length() > 200 ? s.substring(0, 199) + "…" : s;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
