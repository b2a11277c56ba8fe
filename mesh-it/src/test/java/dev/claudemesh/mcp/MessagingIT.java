package dev.claudemesh.mcp;

import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Messages, broadcasts, topics, tasks, renaming, summaries and scopes, across real server processes on one
 * mesh file. Three servers (frontend, backend, infra) live for the whole class, so their inboxes are emptied
 * before each test; peers a test needs for itself (offline ones, renamed ones, ones in a git repository) are
 * started on the same mesh file by a per-test fixture and stopped after it.
 */
class MessagingIT {
    @TempDir
    static Path shared;
    static MeshFixture mesh;
    static Peer frontend;
    static Peer backend;
    static Peer infra;
    /** For topic names no other test uses, since subscriptions are kept by name across tests. */
    static final AtomicInteger UNIQUE = new AtomicInteger();

    /** Servers only this test starts; closed after it. */
    MeshFixture extras;

    @BeforeAll
    static void startThreeServers() throws Exception {
        mesh = new MeshFixture(shared);
        frontend = mesh.server(mesh.project("frontend"));
        backend = mesh.server(mesh.project("backend"));
        infra = mesh.server(mesh.project("infra"));
    }

    @AfterAll
    static void stopThreeServers() {
        mesh.close();
    }

    @BeforeEach
    void emptyInboxes() {
        extras = new MeshFixture(shared);
        for (Peer p : List.of(frontend, backend, infra)) {
            p.inbox();
        }
    }

    @AfterEach
    void stopExtras() {
        extras.close();
    }

    // ------------------------------------------------------------------ tell_peer

    @Test
    void tellPeerToAnActivePeerIsSentAndArrivesInItsInboxExactlyOnceWithSenderAndBody() {
        Map<String, Object> r = frontend.ok("tell_peer", Map.of("to", "backend", "message", "The API moved to /v2."));
        assertEquals("sent", r.get("status"), r.toString());
        String id = (String) r.get("message_id");
        assertTrue(id != null && id.startsWith("m_"), r.toString());

        List<Map<String, Object>> items = backend.inbox();
        assertEquals(1, items.size(), items.toString());
        Map<String, Object> m = items.get(0);
        assertEquals(id, m.get("id"));
        assertEquals("message", m.get("kind"));
        assertEquals("frontend", m.get("from"));
        assertEquals("The API moved to /v2.", m.get("body"));
        assertTrue(isIso((String) m.get("sent_at")), m.toString());
        assertNull(m.get("task_id"), m.toString());

        assertEquals(List.of(), backend.inbox(), "a message is delivered once");
        assertEquals(List.of(), infra.inbox(), "a message reaches only its addressee");
        assertEquals(List.of(), frontend.inbox(), "the sender gets nothing back");
    }

    @Test
    void tellPeerToAnUnknownNameIsAnErrorAndStoresNothing() throws Exception {
        String err = frontend.error("tell_peer", Map.of("to", "ghost", "message", "anyone?"));
        assertTrue(err.contains("No peer named 'ghost'"), err);
        assertEquals(0, count("SELECT count(*) FROM inbox WHERE recipient = 'ghost'"));
        assertTrue(frontend.error("tell_peer", Map.of("to", "frontend", "message", "me?")).contains("itself"));
    }

    @Test
    void tellPeerToAnOfflinePeerIsQueuedAndReachesTheNextSessionWithThatName() throws Exception {
        Path nightlyDir = mesh.project("nightly");
        Peer nightly = extras.server(nightlyDir);
        nightly.client().closeGracefully();
        awaitStatus(frontend, "nightly", "offline");

        Map<String, Object> r = frontend.ok("tell_peer", Map.of("to", "nightly", "message", "Rerun the flaky suite."));
        assertEquals("queued", r.get("status"), r.toString());
        String id = (String) r.get("message_id");
        assertEquals(1, count("SELECT count(*) FROM inbox WHERE recipient = 'nightly' AND state IN ('queued', 'offered') AND id = '" + id + "'"));

        Peer next = extras.server(nightlyDir);
        assertEquals("nightly", next.ok("list_peers", Map.of()).get("self"));
        List<Map<String, Object>> items = next.inbox();
        assertEquals(1, items.size(), items.toString());
        assertEquals(id, items.get(0).get("id"));
        assertEquals("Rerun the flaky suite.", items.get(0).get("body"));
        assertEquals("frontend", items.get(0).get("from"));
    }

    // ------------------------------------------------------------------ broadcast and topics

    @Test
    void broadcastWithoutTopicReachesEveryActivePeerButTheSenderAndNoOfflineOne() throws Exception {
        Peer retired = extras.server(mesh.project("retired"));
        retired.client().closeGracefully();
        awaitStatus(frontend, "retired", "offline");

        Map<String, Object> r = frontend.ok("broadcast", Map.of("message", "Merge freeze until 5 pm."));
        String id = (String) r.get("message_id");
        assertTrue(id != null && id.startsWith("b_"), r.toString());
        assertEquals(List.of("backend", "infra"), sorted(r.get("recipients")), r.toString());

        for (Peer p : List.of(backend, infra)) {
            List<Map<String, Object>> items = p.inbox();
            assertEquals(1, items.size(), items.toString());
            assertEquals(id, items.get(0).get("id"));
            assertEquals("broadcast", items.get(0).get("kind"));
            assertEquals("frontend", items.get(0).get("from"));
            assertEquals("Merge freeze until 5 pm.", items.get(0).get("body"));
            assertFalse(items.get(0).containsKey("topic"), "a broadcast without topic has none: " + items.get(0));
        }
        assertEquals(List.of(), frontend.inbox(), "the sender does not get its own broadcast");
        assertEquals(0, count("SELECT count(*) FROM inbox WHERE recipient = 'retired' AND id = '" + id + "'"),
                "an offline peer gets no broadcast without topic");
    }

    @Test
    void broadcastToATopicNobodySubscribesToHasNoRecipients() {
        Map<String, Object> r = frontend.ok("broadcast", Map.of("message", "Anyone on this topic?", "topic", "nobody-" + UNIQUE.incrementAndGet()));
        assertEquals(List.of(), r.get("recipients"), r.toString());
        assertEquals(List.of(), backend.inbox());
        assertEquals(List.of(), infra.inbox());
        assertTrue(frontend.error("broadcast", Map.of("message", "x", "topic", "no spaces")).contains("topic"));
    }

    @Test
    void subscribeAndUnsubscribeReturnTheTopicListAndAreIdempotent() throws Exception {
        Peer listener = extras.server(mesh.project("listener"));
        assertEquals(List.of("deploys"), listener.ok("subscribe", Map.of("topic", "deploys")).get("topics"));
        assertEquals(List.of("alerts", "deploys"), listener.ok("subscribe", Map.of("topic", "alerts")).get("topics"));
        assertEquals(List.of("alerts", "deploys"), listener.ok("subscribe", Map.of("topic", "deploys")).get("topics"),
                "subscribing twice changes nothing");
        assertEquals(1, count("SELECT count(*) FROM subscriptions WHERE peer_key = 'listener' AND topic = 'deploys'"));

        assertEquals(List.of("alerts"), listener.ok("unsubscribe", Map.of("topic", "deploys")).get("topics"));
        assertEquals(List.of("alerts"), listener.ok("unsubscribe", Map.of("topic", "deploys")).get("topics"),
                "unsubscribing twice changes nothing");
        assertEquals(List.of(), listener.ok("unsubscribe", Map.of("topic", "alerts")).get("topics"));
        assertTrue(listener.error("subscribe", Map.of("topic", "bad topic!")).contains("not valid"));
    }

    @Test
    void broadcastToATopicReachesOnlyItsSubscribersWithTheTopicInTheItem() {
        String topic = "deploys-" + UNIQUE.incrementAndGet();
        backend.ok("subscribe", Map.of("topic", topic));
        frontend.ok("subscribe", Map.of("topic", topic)); // the sender's own subscription must not echo back
        try {
            Map<String, Object> r = frontend.ok("broadcast", Map.of("message", "v1.4 is rolling out.", "topic", topic));
            assertEquals(List.of("backend"), r.get("recipients"), r.toString());
            List<Map<String, Object>> items = backend.inbox();
            assertEquals(1, items.size(), items.toString());
            assertEquals(r.get("message_id"), items.get(0).get("id"));
            assertEquals("broadcast", items.get(0).get("kind"));
            assertEquals(topic, items.get(0).get("topic"));
            assertEquals("v1.4 is rolling out.", items.get(0).get("body"));
            assertEquals(List.of(), infra.inbox(), "a non-subscriber gets nothing");
            assertEquals(List.of(), frontend.inbox(), "the sender gets nothing");

            backend.ok("unsubscribe", Map.of("topic", topic));
            Map<String, Object> after = frontend.ok("broadcast", Map.of("message", "v1.5 too.", "topic", topic));
            assertEquals(List.of(), after.get("recipients"), "after unsubscribe nobody but the sender listens: " + after);
            assertEquals(List.of(), backend.inbox());
        } finally {
            backend.ok("unsubscribe", Map.of("topic", topic));
            frontend.ok("unsubscribe", Map.of("topic", topic));
        }
    }

    // ------------------------------------------------------------------ tasks

    @Test
    @SuppressWarnings("unchecked")
    void taskGoesFromDelegatorToAssigneeAndItsResultComesBackOnce() {
        Map<String, Object> d = frontend.ok("delegate_task", Map.of("to", "backend",
                "description", "Add an index on orders.customer_id", "context", "Postgres 16; keep the migration reversible."));
        String taskId = (String) d.get("task_id");
        assertTrue(taskId != null && taskId.startsWith("t_"), d.toString());
        assertEquals("pending", d.get("status"));

        List<Map<String, Object>> items = backend.inbox();
        assertEquals(1, items.size(), items.toString());
        Map<String, Object> task = items.get(0);
        assertEquals("task", task.get("kind"));
        assertEquals(taskId, task.get("task_id"));
        assertEquals("frontend", task.get("from"));
        assertTrue(((String) task.get("body")).contains("Add an index on orders.customer_id"), task.toString());
        assertTrue(((String) task.get("body")).contains("keep the migration reversible"), task.toString());

        String notYours = infra.error("complete_task", Map.of("task_id", taskId, "status", "completed", "result", "hijacked"));
        assertTrue(notYours.contains("given to 'backend'"), notYours);
        assertEquals(List.of(), frontend.inbox(), "a refused completion tells the delegator nothing");

        Map<String, Object> done = backend.ok("complete_task", Map.of("task_id", taskId, "status", "completed",
                "result", "Index added in V7__orders_customer_idx.sql"));
        assertEquals(Map.of("task_id", taskId, "status", "completed"), done);

        List<Map<String, Object>> results = frontend.inbox();
        assertEquals(1, results.size(), results.toString());
        Map<String, Object> res = results.get(0);
        assertEquals("task_result", res.get("kind"));
        assertEquals(taskId, res.get("task_id"));
        assertEquals("completed", res.get("status"));
        assertEquals("Index added in V7__orders_customer_idx.sql", res.get("result"));
        assertEquals("backend", res.get("from"));
        assertEquals(List.of(), frontend.inbox(), "the result is delivered once");

        String twice = backend.error("complete_task", Map.of("task_id", taskId, "status", "failed", "result", "again"));
        assertTrue(twice.contains("already completed"), twice);
        assertEquals(List.of(), frontend.inbox(), "a second completion sends no second result");

        Map<String, Object> delegated = ((List<Map<String, Object>>) frontend.ok("list_tasks", Map.of()).get("delegated"))
                .stream().filter(t -> taskId.equals(t.get("task_id"))).findFirst().orElseThrow();
        assertEquals("backend", delegated.get("to"));
        assertEquals("completed", delegated.get("status"));
        assertEquals("Index added in V7__orders_customer_idx.sql", delegated.get("result"));
        assertEquals("Add an index on orders.customer_id", delegated.get("description"));

        Map<String, Object> received = ((List<Map<String, Object>>) backend.ok("list_tasks", Map.of()).get("received"))
                .stream().filter(t -> taskId.equals(t.get("task_id"))).findFirst().orElseThrow();
        assertEquals("frontend", received.get("from"));
        assertEquals("completed", received.get("status"));
        assertEquals("Index added in V7__orders_customer_idx.sql", received.get("result"));
        assertTrue(((List<Map<String, Object>>) infra.ok("list_tasks", Map.of()).get("received")).stream()
                .noneMatch(t -> taskId.equals(t.get("task_id"))), "infra was never given the task");
    }

    // ------------------------------------------------------------------ names, summaries, scopes

    @Test
    void registerWithANameRenamesTheSessionAndTheOldNameIsFreeForTheNextSessionThere() throws Exception {
        Path scribeDir = mesh.project("scribe");
        Peer scribe = extras.server(scribeDir);
        assertTrue(peerNames(frontend, false).contains("scribe"));

        Map<String, Object> r = scribe.ok("register", Map.of("name", "planner"));
        assertEquals("planner", r.get("name"), r.toString());
        assertEquals("planner", scribe.ok("list_peers", Map.of()).get("self"));
        List<String> seen = peerNames(frontend, false);
        assertTrue(seen.contains("planner"), seen.toString());
        assertFalse(seen.contains("scribe"), "the old name is no longer an active peer: " + seen);

        assertEquals("sent", frontend.ok("tell_peer", Map.of("to", "planner", "message", "Plan the sprint.")).get("status"));
        List<Map<String, Object>> items = scribe.inbox();
        assertEquals(1, items.size(), items.toString());
        assertEquals("Plan the sprint.", items.get(0).get("body"));

        Peer next = extras.server(scribeDir);
        assertEquals("scribe", next.ok("list_peers", Map.of()).get("self"), "a new session in that project takes the freed name");
        List<String> after = peerNames(frontend, false);
        assertTrue(after.contains("planner") && after.contains("scribe"), after.toString());
    }

    @Test
    void setSummaryShowsInOtherPeersListPeers() {
        Map<String, Object> r = backend.ok("set_summary", Map.of("summary", "Migrating the orders table"));
        assertEquals(Map.of("name", "backend", "summary", "Migrating the orders table"), r);
        assertEquals("Migrating the orders table", peer(frontend, "backend").get("summary"));
        assertEquals("Migrating the orders table", peer(infra, "backend").get("summary"));
    }

    @Test
    void withoutSetSummaryAServerInAGitRepoIsSummarisedFromItsBranchAndLastThreeCommits() throws Exception {
        Assumptions.assumeTrue(gitAvailable(), "git is not installed");
        Path repo = mesh.project("shop");
        git(repo, "init", "-q", "-b", "feature/checkout");
        for (String subject : List.of("Add cart page", "Validate card number", "Wire checkout to payments API")) {
            git(repo, "commit", "-q", "--allow-empty", "-m", subject);
        }
        extras.server(repo);
        String summary = (String) peer(frontend, "shop").get("summary");
        assertTrue(summary.contains("feature/checkout"), summary);
        assertTrue(summary.contains("Add cart page"), summary);
        assertTrue(summary.contains("Validate card number"), summary);
        assertTrue(summary.contains("Wire checkout to payments API"), summary);
    }

    @Test
    void listPeersScopeDirectoryMeansTheSameProjectAndRepoTheSameGitRepository() throws Exception {
        Path repo = mesh.project("mono");
        if (gitAvailable()) {
            git(repo, "init", "-q");
        } else {
            Files.createDirectories(repo.resolve(".git"));
        }
        Path web = Files.createDirectories(repo.resolve("web"));
        Path api = Files.createDirectories(repo.resolve("api"));
        Peer web1 = extras.server(web);
        Peer web2 = extras.server(web);
        Peer api1 = extras.server(api);
        assertEquals("web", web1.ok("list_peers", Map.of()).get("self"));
        assertEquals("web-2", web2.ok("list_peers", Map.of()).get("self"));

        assertEquals(List.of("web-2"), names(web1, "directory"));
        assertEquals(List.of("api", "web-2"), names(web1, "repo"));
        assertEquals(List.of(), names(api1, "directory"), "another subdirectory of the repo is not the same directory");
        assertEquals(List.of("web", "web-2"), names(api1, "repo"));
        List<String> machine = names(web1, "machine");
        assertTrue(machine.containsAll(List.of("api", "web-2", "frontend", "backend", "infra")), machine.toString());
        assertFalse(names(frontend, "repo").contains("web"), "a peer outside the repo does not share its repo scope");
    }

    // ------------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> peers(Peer viewer, Map<String, Object> args) {
        return (List<Map<String, Object>>) viewer.ok("list_peers", args).get("peers");
    }

    static List<String> peerNames(Peer viewer, boolean includeStale) {
        return peers(viewer, Map.of("include_stale", includeStale)).stream().map(p -> (String) p.get("name")).toList();
    }

    static List<String> names(Peer viewer, String scope) {
        return peers(viewer, Map.of("scope", scope)).stream().map(p -> (String) p.get("name")).sorted().toList();
    }

    static Map<String, Object> peer(Peer viewer, String name) {
        return peers(viewer, Map.of()).stream().filter(p -> name.equals(p.get("name"))).findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not among the active peers"));
    }

    static void awaitStatus(Peer viewer, String name, String status) throws InterruptedException {
        for (int i = 0; i < 300; i++) {
            if (peers(viewer, Map.of("include_stale", true)).stream()
                    .anyMatch(p -> name.equals(p.get("name")) && status.equals(p.get("status")))) {
                return;
            }
            Thread.sleep(20);
        }
        throw new AssertionError(name + " never became " + status);
    }

    @SuppressWarnings("unchecked")
    static List<String> sorted(Object list) {
        assertNotNull(list);
        List<String> out = new ArrayList<>((List<String>) list);
        out.sort(null);
        return out;
    }

    static boolean isIso(String s) {
        try {
            java.time.Instant.parse(s);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    static long count(String sql) throws Exception {
        try (var c = mesh.connect();
             var s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static boolean gitAvailable() {
        try {
            Process p = new ProcessBuilder("git", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Runs git in {@code dir} with a fixed identity and no signing, whatever the user's git config says. */
    static void git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString(), "-c", "user.name=Mesh Test",
                "-c", "user.email=mesh-test@example.invalid", "-c", "commit.gpgsign=false"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("GIT_"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("git " + String.join(" ", args) + " failed: " + out);
        }
    }
}
