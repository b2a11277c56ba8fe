package dev.claudemesh.hookcmd;

import dev.claudemesh.testing.ClaudeStandIn;
import dev.claudemesh.testing.MeshCli;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.HookRun;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sessions started the way Claude Code starts them: the session's server and its SessionStart hook at the
 * same instant (and, as timing goes, the hook first or the server first), many sessions of one project at
 * once. Each is told its own server's name; when they end, no row is left active, and gc reaps every row
 * whose processes are gone, whoever made it.
 */
class SessionIdentityIT {
    /** A hundred on the SQLite pass; the PostgreSQL pass, which claims names under the same rule, runs thirty. */
    private static final int SESSIONS = MeshFixture.postgres() ? 30 : 100;
    private static final int AT_ONCE = 10;
    private static final Pattern TOLD = Pattern.compile("this session is peer '([^']+)'");

    @TempDir
    Path tmp;
    MeshFixture mesh;
    Path project;
    final List<ClaudeStandIn> standIns = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        mesh = new MeshFixture(tmp);
        project = mesh.project("app");
    }

    @AfterEach
    void tearDown() {
        ClaudeStandIn.stopAll(standIns, mesh);
    }

    private record Started(ClaudeStandIn claude, Peer server, HookRun sessionStart) {
    }

    /** One session: its server and its hook started together; {@code order} 0 = same instant, 1 = hook first, 2 = server first. */
    private Started start(int i, int order) throws Exception {
        ClaudeStandIn claude = new ClaudeStandIn(tmp.resolve("claude-" + i), project, "sess-" + i);
        synchronized (standIns) {
            standIns.add(claude);
        }
        CompletableFuture<Peer> server = CompletableFuture.supplyAsync(() -> claude.startWithServer(mesh, order == 1));
        claude.pid();
        CompletableFuture<HookRun> hook;
        if (order == 2) {
            Peer up = server.get(120, TimeUnit.SECONDS);
            hook = CompletableFuture.completedFuture(claude.hook("session-start", "SessionStart", Map.of("source", "startup")));
            return new Started(claude, up, hook.get());
        }
        hook = CompletableFuture.supplyAsync(() -> {
            try {
                return claude.hook("session-start", "SessionStart", Map.of("source", "startup"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        if (order == 1) {
            Thread.sleep(100); // the hook is already waiting when the server starts
            claude.release();
        }
        return new Started(claude, server.get(120, TimeUnit.SECONDS), hook.get(120, TimeUnit.SECONDS));
    }

    @Test
    void aHundredSessionsStartedAsClaudeCodeStartsThemAreEachToldTheirOwnServersName() throws Exception {
        Set<String> names = new HashSet<>();
        List<Started> all = new ArrayList<>();
        for (int batch = 0; batch < SESSIONS / AT_ONCE; batch++) {
            List<CompletableFuture<Started>> starting = new ArrayList<>();
            for (int k = 0; k < AT_ONCE; k++) {
                int i = batch * AT_ONCE + k;
                starting.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return start(i, i % 3);
                    } catch (Exception e) {
                        throw new IllegalStateException("session " + i + " did not start", e);
                    }
                }));
            }
            for (CompletableFuture<Started> f : starting) {
                Started s = f.get(240, TimeUnit.SECONDS);
                String self = (String) s.server().ok("list_peers", Map.of()).get("self");
                assertTrue(s.sessionStart().stdout().startsWith("{"), "session " + s.claude().work.getFileName()
                        + " was told nothing; stderr: " + s.sessionStart().stderr());
                Matcher told = TOLD.matcher(s.sessionStart().additionalContext());
                assertTrue(told.find(), s.sessionStart().stdout());
                assertEquals(self, told.group(1), "a session was told another name than its server's");
                names.add(self);
                all.add(s);
            }
            // End this batch as Claude Code ends sessions: the server stopped, then SessionEnd.
            for (Started s : all.subList(batch * AT_ONCE, all.size())) {
                s.claude().stopServer();
                s.claude().hook("session-end", "SessionEnd", Map.of("reason", "prompt_input_exit"));
            }
        }
        assertEquals(SESSIONS, all.size());
        assertTrue(names.size() <= AT_ONCE, "ended sessions free their names for the next ones: " + names);
        assertEquals("0", mesh.row("SELECT count(*) FROM peers WHERE state = 'active'"), "no row is left active after they end");
        assertEquals(String.valueOf(names.size()), mesh.row("SELECT count(*) FROM peers"), "no ghost rows: one row per name used");
    }

    @Test
    void gcReapsEveryRowWhoseProcessesAreGoneWhoeverMadeIt() throws Exception {
        // A server killed with -9 (it cannot leave), and a row an older version's SessionStart hook left with no
        // process at all.
        ClaudeStandIn claude = new ClaudeStandIn(tmp.resolve("claude-killed"), project, "sess-killed");
        standIns.add(claude);
        claude.startWithServer(mesh, false);
        ProcessHandle.of(claude.pid()).orElseThrow().descendants()
                .filter(h -> h.info().commandLine().map(c -> c.contains("dev.claudemesh.mcp.ServerMain")).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
        try (var c = mesh.connect(); var s = c.createStatement()) {
            s.executeUpdate("INSERT INTO peers (name_key, name, project_path, git_root, host, summary, state, session_id, "
                    + "registered_at, last_seen) VALUES ('ghost', 'ghost', '" + project + "', '" + project + "', '"
                    + mesh.row("SELECT host FROM peers WHERE name_key = 'app'") + "', '', 'active', 'old', 1, 1)");
        }
        Thread.sleep(500);
        MeshCli.Run gc = MeshCli.run(project, mesh.dbEnv(), "gc");
        assertEquals(0, gc.exit(), gc.toString());
        assertEquals("0", mesh.row("SELECT count(*) FROM peers WHERE state = 'active'"), gc.out());
    }

}
