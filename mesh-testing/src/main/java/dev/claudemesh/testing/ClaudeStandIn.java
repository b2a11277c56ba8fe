package dev.claudemesh.testing;

import dev.claudemesh.testing.MeshFixture.HookRun;
import dev.claudemesh.testing.MeshFixture.Peer;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.claudemesh.testing.MeshFixture.hookJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A stand-in for one Claude Code process, for tests where it matters which process is whose: a bash script
 * that runs bin/claude-mesh-server as its own child (so the script is the server's parent, as Claude Code is)
 * and runs hook commands as its own descendants when asked through a FIFO (as Claude Code runs hooks).
 */
public final class ClaudeStandIn {
    /**
     * usage: claude-stand-in.sh BIN_DIR WORK_DIR [SERVER [hold]]. Writes its pid to WORK_DIR/pid, then runs each
     * line "ID HOOK" read from the FIFO WORK_DIR/requests as BIN_DIR/claude-mesh-HOOK < ID.in > ID.out
     * 2> ID.err, with the variables in ID.env on top of its own when that file exists, and writes the exit code
     * to ID.rc last. Runs SERVER as its own child when given (with "hold": once WORK_DIR/go exists);
     * otherwise just lives.
     */
    static final String SCRIPT = """
            #!/usr/bin/env bash
            bin="$1"; work="$2"; server="${3:-}"; hold="${4:-}"
            echo $$ > "$work/pid.tmp" && mv "$work/pid.tmp" "$work/pid"
            exec 3<>"$work/requests"   # held open read-write: writers never block, reads never see end of file
            (
              exec </dev/null >/dev/null
              while read -r id hook <&3; do
                if [ "$hook" = spawn ]; then
                  # A long-running descendant for a test (what a hook process is while it runs): its pid, at once.
                  ( exec /bin/sh "$work/$id.cmd" ) </dev/null >/dev/null 2>&1 3<&- &
                  echo $! >"$work/$id.pid.tmp" && mv "$work/$id.pid.tmp" "$work/$id.pid"
                  continue
                fi
                case "$hook" in session-start|inbox-poll|inbox-wait|session-end) ;; *) echo "stand-in: bad hook '$hook'" >&2; continue ;; esac
                (
                  if [ -f "$work/$id.env" ]; then set -a; . "$work/$id.env"; set +a; fi
                  exec "$bin/claude-mesh-$hook" <"$work/$id.in" >"$work/$id.out" 2>"$work/$id.err" 3<&-
                )
                echo $? >"$work/$id.rc.tmp" && mv "$work/$id.rc.tmp" "$work/$id.rc"
              done
            ) &
            loop=$!
            trap 'kill "$loop" 2>/dev/null' EXIT
            trap 'exit 143' TERM
            if [ -n "$server" ]; then
              if [ "$hold" = hold ]; then
                while [ ! -e "$work/go" ]; do sleep 0.02; done
              fi
              "$server" 3<&-   # a child, not exec: this process stays the server's parent
              # Claude Code outlives its server: it stops the server, then runs SessionEnd. So does the stand-in.
            fi
            wait "$loop"
            """;

    private static final AtomicInteger REQUESTS = new AtomicInteger();

    public final Path work;
    private final Path project;
    private final String sessionId;
    private final Path script;
    private long pid;

    /**
     * Prepares a stand-in (not started) working in {@code work}, whose hooks report Claude Code session
     * {@code sessionId} in project {@code project}.
     */
    public ClaudeStandIn(Path work, Path project, String sessionId) throws IOException, InterruptedException {
        this.work = Files.createDirectories(work);
        this.project = project;
        this.sessionId = sessionId;
        this.script = work.resolve("claude-stand-in.sh");
        Files.writeString(script, SCRIPT);
        Process mkfifo = new ProcessBuilder("mkfifo", work.resolve("requests").toString()).inheritIO().start();
        assertTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0, "mkfifo failed");
    }

    /**
     * Starts it with its server as its child and does the MCP handshake with that server; with {@code hold}
     * the server starts only on {@link #release()}, and this call returns only once it is up.
     */
    public Peer startWithServer(MeshFixture mesh, boolean hold) {
        Path server = MeshFixture.bin("claude-mesh-server");
        List<String> args = new ArrayList<>(List.of(script.toString(), server.getParent().toString(), work.toString(),
                server.toString()));
        if (hold) {
            args.add("hold");
        }
        return mesh.serverVia(project, "bash", args);
    }

    /** Starts it without a server: a Claude Code session whose MCP server never came up. */
    public void startAlone(MeshFixture mesh) throws IOException {
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), MeshFixture.bin("claude-mesh-server").getParent().toString(),
                work.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith("MESH_") || k.startsWith("CLAUDE_"));
        pb.environment().putAll(mesh.env(project));
        pb.start();
    }

    /**
     * Stops this session's server as Claude Code does when the session ends (a signal to the server alone; the
     * stand-in lives on, as Claude Code does to run SessionEnd), and waits until it exited.
     */
    public void stopServer() throws IOException, InterruptedException {
        ProcessHandle me = ProcessHandle.of(pid()).orElseThrow(() -> new IllegalStateException("the stand-in is gone"));
        List<ProcessHandle> servers = me.descendants()
                .filter(h -> h.info().commandLine().map(c -> c.contains("dev.claudemesh.mcp.ServerMain")).orElse(false)).toList();
        for (ProcessHandle h : servers) {
            h.destroy();
        }
        for (ProcessHandle h : servers) {
            try {
                h.onExit().get(30, TimeUnit.SECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("the server of stand-in " + pid + " did not stop", e);
            }
        }
    }

    /** Lets a server started with {@code hold} start. */
    public void release() throws IOException {
        Files.createFile(work.resolve("go"));
    }

    /** The stand-in's process id, once it has written it (it does so first thing). */
    public long pid() throws IOException, InterruptedException {
        if (pid == 0) {
            Path file = work.resolve("pid");
            for (int i = 0; i < 3000 && !Files.exists(file); i++) {
                Thread.sleep(10);
            }
            pid = Long.parseLong(Files.readString(file).strip());
        }
        return pid;
    }

    /**
     * Starts {@code shellCommand} (run by /bin/sh) as this session's descendant and returns its pid at once: a
     * process a test can use as "a hook of this session" while it talks to the session's server itself.
     */
    public long spawn(String shellCommand) throws IOException, InterruptedException {
        int id = REQUESTS.incrementAndGet();
        Files.writeString(work.resolve(id + ".cmd"), shellCommand + "\n");
        try (OutputStream fifo = Files.newOutputStream(work.resolve("requests"), StandardOpenOption.WRITE)) {
            fifo.write((id + " spawn\n").getBytes(StandardCharsets.UTF_8));
        }
        Path pidFile = work.resolve(id + ".pid");
        for (int i = 0; i < 3000 && !Files.exists(pidFile); i++) {
            Thread.sleep(10);
        }
        return Long.parseLong(Files.readString(pidFile).strip());
    }

    /** Runs hook {@code command} as this session's descendant, with Claude Code's JSON for {@code event} on stdin. */
    public HookRun hook(String command, String event, Map<String, Object> extra) throws IOException, InterruptedException {
        return hook(command, event, extra, Map.of());
    }

    /** As above, with {@code env} set for this hook alone (as if its settings differed from its server's). */
    public HookRun hook(String command, String event, Map<String, Object> extra, Map<String, String> env)
            throws IOException, InterruptedException {
        int id = REQUESTS.incrementAndGet();
        Files.writeString(work.resolve(id + ".in"), hookJson(event, sessionId, project, extra));
        if (!env.isEmpty()) {
            StringBuilder vars = new StringBuilder();
            env.forEach((k, v) -> vars.append(k).append("='").append(v.replace("'", "'\\''")).append("'\n"));
            Files.writeString(work.resolve(id + ".env"), vars);
        }
        try (OutputStream fifo = Files.newOutputStream(work.resolve("requests"), StandardOpenOption.WRITE)) {
            fifo.write((id + " " + command + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Path rc = work.resolve(id + ".rc");
        for (int i = 0; i < 3000 && !Files.exists(rc); i++) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(rc), command + " in " + work.getFileName() + " did not finish within 60 s");
        HookRun r = new HookRun(Integer.parseInt(Files.readString(rc).strip()),
                Files.readString(work.resolve(id + ".out")), Files.readString(work.resolve(id + ".err")));
        assertEquals(0, r.exitCode(), "hooks always exit 0; stderr: " + r.stderr());
        return r;
    }

    /**
     * Ends every stand-in with everything it started, and the fixture's own servers: what a test leaves
     * running is gone when this returns (or is being killed, after 10 s).
     */
    public static void stopAll(List<ClaudeStandIn> standIns, MeshFixture mesh) {
        List<ProcessHandle> started = new ArrayList<>();
        for (ClaudeStandIn s : standIns) {
            long p = s.pid;
            if (p == 0 && Files.exists(s.work.resolve("pid"))) {
                try {
                    p = s.pid();
                } catch (IOException | InterruptedException | NumberFormatException e) {
                    // never fully started
                }
            }
            if (p != 0) {
                ProcessHandle.of(p).ifPresent(h -> {
                    started.add(h);
                    h.descendants().forEach(started::add);
                });
            }
        }
        mesh.close();
        for (ProcessHandle h : started) {
            h.destroyForcibly();
        }
        for (ProcessHandle h : started) {
            try {
                h.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // it is being killed; nothing more to do
            }
        }
    }
}
