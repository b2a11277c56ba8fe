package dev.claudemesh.mcp;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sessions on two machines in one mesh, played by servers that record different host names (MESH_HOST_NAME)
 * on one database: the whole flow works across them, list_peers shows where each runs, and a peer on the other
 * host is judged by its heartbeat, never by a process id that means nothing here. Runs on both backends; on
 * PostgreSQL it is the shared mesh the cross-machine set-up describes.
 */
class CrossHostIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;

    @BeforeEach
    void start() {
        mesh = new MeshFixture(tmp);
    }

    @AfterEach
    void stop() {
        mesh.close();
    }

    @Test
    @SuppressWarnings("unchecked")
    void twoHostsCompleteAskReplyMessageTopicAndTaskFlows() throws Exception {
        Peer laptop = mesh.server(mesh.project("frontend"), Map.of("MESH_HOST_NAME", "laptop"));
        Peer buildbox = mesh.server(mesh.project("backend"), Map.of("MESH_HOST_NAME", "buildbox"));

        Map<String, Object> seen = onlyPeer(laptop);
        assertEquals("backend", seen.get("name"));
        assertEquals("active", seen.get("status"), "a live peer elsewhere is active, whatever its pid means here");
        assertEquals("buildbox", seen.get("host"));
        assertEquals("laptop", onlyPeer(buildbox).get("host"));

        // ask / reply
        CompletableFuture<Map<String, Object>> ask = CompletableFuture.supplyAsync(() ->
                laptop.ok("ask_peer", Map.of("to", "backend", "question", "Which port does the API use?", "timeout_seconds", 60)));
        Map<String, Object> q = buildbox.awaitItem("question");
        assertEquals("frontend", q.get("from"));
        buildbox.ok("reply_to_peer", Map.of("question_id", q.get("id"), "answer", "8080"));
        Map<String, Object> answer = ask.get(60, TimeUnit.SECONDS);
        assertEquals("answered", answer.get("status"));
        assertEquals("8080", answer.get("answer"));

        // a message
        assertEquals("sent", laptop.ok("tell_peer", Map.of("to", "backend", "message", "Deploying at five.")).get("status"));
        Map<String, Object> m = buildbox.awaitItem("message");
        assertEquals("Deploying at five.", m.get("body"));
        assertEquals("frontend", m.get("from"));

        // a topic
        buildbox.ok("subscribe", Map.of("topic", "deploys"));
        laptop.ok("broadcast", Map.of("message", "v2 is live", "topic", "deploys"));
        Map<String, Object> b = buildbox.awaitItem("broadcast");
        assertEquals("v2 is live", b.get("body"));
        assertEquals("deploys", b.get("topic"));

        // a task and its result
        String taskId = (String) laptop.ok("delegate_task", Map.of("to", "backend", "description", "Run the migrations")).get("task_id");
        Map<String, Object> t = buildbox.awaitItem("task");
        assertEquals(taskId, t.get("task_id"));
        buildbox.ok("complete_task", Map.of("task_id", taskId, "status", "completed", "result", "V7 applied"));
        Map<String, Object> r = laptop.awaitItem("task_result");
        assertEquals("V7 applied", r.get("result"));
        List<Map<String, Object>> delegated = (List<Map<String, Object>>) laptop.ok("list_tasks", Map.of()).get("delegated");
        assertEquals("completed", delegated.get(0).get("status"));
    }

    @Test
    void aPeerOnAnotherHostIsLiveWhileItsHeartbeatIsFreshAndGoneOnceItIsLate() throws Exception {
        Peer laptop = mesh.server(mesh.project("frontend"), Map.of("MESH_HOST_NAME", "laptop",
                "MESH_HEARTBEAT_SECONDS", "1", "MESH_HEARTBEAT_GRACE_SECONDS", "5"));
        long deadPid = deadPid();
        long now = System.currentTimeMillis();
        // Three rows whose server pid is dead on this machine: one elsewhere that beat just now, one elsewhere
        // silent for ten minutes, and one on this host.
        insertPeer("remote-fresh", "buildbox", deadPid, now);
        insertPeer("remote-silent", "buildbox", deadPid, now - 600_000);
        insertPeer("local-dead", "laptop", deadPid, now);

        Map<String, String> status = statuses(laptop);
        assertEquals("active", status.get("remote-fresh"), "a pid from another host is never checked here");
        assertEquals("offline", status.get("remote-silent"), "late heartbeat: gone");
        assertEquals("offline", status.get("local-dead"), "on this host the dead pid decides");

        // A silence that ends (the network came back) brings the peer back without anyone re-registering it.
        try (var c = mesh.connect(); var ps = c.prepareStatement("UPDATE peers SET last_seen = ? WHERE name_key = 'remote-silent'")) {
            ps.setLong(1, System.currentTimeMillis());
            ps.executeUpdate();
        }
        assertEquals("active", statuses(laptop).get("remote-silent"));
    }

    @Test
    void aKilledServerOnAnotherHostGoesOfflineWhenItsHeartbeatIsLate() throws Exception {
        Map<String, String> fast = Map.of("MESH_HEARTBEAT_SECONDS", "1", "MESH_HEARTBEAT_GRACE_SECONDS", "1");
        Peer laptop = mesh.server(mesh.project("frontend"), with(fast, "MESH_HOST_NAME", "laptop"));
        mesh.server(mesh.project("backend"), with(fast, "MESH_HOST_NAME", "buildbox"));
        assertEquals("active", statuses(laptop).get("backend"));

        long pid = serverPid("backend");
        ProcessHandle.of(pid).orElseThrow().destroyForcibly();

        for (int i = 0; i < 300 && !"offline".equals(statuses(laptop).get("backend")); i++) {
            Thread.sleep(100);
        }
        assertEquals("offline", statuses(laptop).get("backend"), "its heartbeat stopped, so it must be shown offline");
    }

    // ------------------------------------------------------------------ helpers

    private static Map<String, String> with(Map<String, String> base, String k, String v) {
        Map<String, String> m = new java.util.HashMap<>(base);
        m.put(k, v);
        return m;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> onlyPeer(Peer p) {
        List<Map<String, Object>> peers = (List<Map<String, Object>>) p.ok("list_peers", Map.of()).get("peers");
        assertEquals(1, peers.size(), peers.toString());
        return peers.get(0);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> statuses(Peer p) {
        Map<String, String> out = new java.util.HashMap<>();
        for (Map<String, Object> row : (List<Map<String, Object>>) p.ok("list_peers", Map.of("include_stale", true)).get("peers")) {
            out.put((String) row.get("name"), (String) row.get("status"));
        }
        return out;
    }

    private void insertPeer(String name, String host, long pid, long lastSeen) throws Exception {
        try (var c = mesh.connect(); PreparedStatement ps = c.prepareStatement("INSERT INTO peers (name_key, name, project_path, "
                + "git_root, host, summary, state, server_pid, server_start, registered_at, last_seen) "
                + "VALUES (?, ?, '/elsewhere', '/elsewhere', ?, '', 'active', ?, 1, ?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, name);
            ps.setString(3, host);
            ps.setLong(4, pid);
            ps.setLong(5, lastSeen);
            ps.setLong(6, lastSeen);
            ps.executeUpdate();
        }
    }

    private long serverPid(String name) throws Exception {
        try (var c = mesh.connect(); var ps = c.prepareStatement("SELECT server_pid FROM peers WHERE name_key = ?")) {
            ps.setString(1, name);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** A pid no process has on this machine right now. */
    private static long deadPid() throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        long pid = p.pid();
        assertTrue(ProcessHandle.of(pid).isEmpty() || !ProcessHandle.of(pid).get().isAlive());
        return pid;
    }

}
