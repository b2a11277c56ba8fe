package dev.claudemesh.reliability;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.HookRun;
import dev.claudemesh.testing.MeshFixture.Peer;
import dev.claudemesh.testing.TcpProxy;
import dev.claudemesh.testing.TestDatabases;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PostgreSQL mesh whose network drops and comes back, played by a relay the test cuts: tools say plainly that
 * the database is out of reach, hooks still exit 0 with nothing on stdout, an ask_peer already waiting keeps
 * waiting and returns the answer given once the database is back, and nothing committed before is lost.
 */
@Tag("postgresql-only")
class DatabaseOutageIT {
    @TempDir
    Path tmp;

    @Test
    void toolsReportTheOutageHooksExitZeroAndAWaitingAskResumesWhenTheDatabaseIsBack() throws Exception {
        try (MeshFixture mesh = new MeshFixture(tmp)) {
            URI real = URI.create(mesh.dbUrl.orElseThrow().substring("jdbc:".length()));
            try (TcpProxy proxy = new TcpProxy(real.getHost(), real.getPort())) {
                String viaProxy = TestDatabases.withHostPort(mesh.dbUrl.get(), "127.0.0.1:" + proxy.port());
                Map<String, String> extra = Map.of("MESH_DB_URL", viaProxy);
                Path frontendDir = mesh.project("frontend");
                Peer frontend = mesh.server(frontendDir, extra);
                Peer backend = mesh.server(mesh.project("backend"), extra);
                assertEquals("sent", frontend.ok("tell_peer", Map.of("to", "backend", "message", "committed before the outage"))
                        .get("status"));

                CompletableFuture<Map<String, Object>> ask = CompletableFuture.supplyAsync(() -> frontend.ok("ask_peer",
                        Map.of("to", "backend", "question", "Is the schema migrated?", "timeout_seconds", 120)));
                Map<String, Object> q = backend.awaitItem("question");

                proxy.cut();

                String error = backend.error("list_peers", Map.of());
                assertTrue(error.contains("cannot reach the mesh database postgresql://127.0.0.1:" + proxy.port() + "/"), error);
                assertFalse(error.contains("password"), error);

                Map<String, String> hookEnv = new HashMap<>(mesh.env(frontendDir));
                hookEnv.putAll(extra);
                HookRun hook = MeshFixture.hook("inbox-poll", hookEnv, MeshFixture.hookJson("UserPromptSubmit", "s-1",
                        frontendDir, Map.of("prompt", "hi")).getBytes(StandardCharsets.UTF_8));
                assertEquals(0, hook.exitCode(), hook.stderr());
                assertEquals("", hook.stdout(), "nothing but valid hook output on stdout, and there is none to give");
                assertTrue(hook.stderr().contains("cannot reach"), hook.stderr());
                assertFalse(ask.isDone(), () -> "the waiting ask_peer must keep waiting, not fail: " + ask.join());

                proxy.restore();

                // The first call after the outage connects again by itself.
                backend.ok("reply_to_peer", Map.of("question_id", q.get("id"), "answer", "Yes, V7 is in."));
                Map<String, Object> answer = ask.get(60, TimeUnit.SECONDS);
                assertEquals("answered", answer.get("status"));
                assertEquals("Yes, V7 is in.", answer.get("answer"));

                try (var c = mesh.connect(); var s = c.createStatement();
                     ResultSet rs = s.executeQuery("SELECT count(*) FROM inbox WHERE kind = 'message' AND recipient = 'backend'")) {
                    rs.next();
                    assertEquals(1, rs.getInt(1), "the message committed before the outage is still there");
                }
            }
        }
    }

}
