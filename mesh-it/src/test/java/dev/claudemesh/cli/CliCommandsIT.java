package dev.claudemesh.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.testing.MeshCli;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The commands a person uses to take part in the mesh from a terminal (broadcast, delegate, tasks, reply), the
 * machine-readable output of every reading command ({@code --json}), tail's question ends and delivery steps,
 * and the shell completion: {@code bin/claude-mesh} run as a user runs it, on a mesh shared with real servers.
 */
class CliCommandsIT {
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
    void broadcastReachesEveryActivePeerAndWithATopicOnlyItsSubscribers() throws Exception {
        Peer frontend = mesh.server(mesh.project("frontend"));
        Peer backend = mesh.server(mesh.project("backend"));
        backend.ok("subscribe", Map.of("topic", "deploys"));

        MeshCli.Run all = cli("broadcast", "freeze", "at", "five");
        MeshCli.Run topic = cli("broadcast", "--topic", "deploys", "v2", "is", "out");

        assertEquals(0, all.exit(), all.toString());
        assertTrue(all.out().strip().matches("b_[0-9a-f]{12} sent to 2 peers"), all.out());
        assertTrue(topic.out().strip().matches("b_[0-9a-f]{12} sent to 1 peer subscribed to deploys"), topic.out());
        List<Object> toFrontend = frontend.inbox().stream().map(i -> i.get("body")).toList();
        List<Object> toBackend = backend.inbox().stream().map(i -> i.get("body")).toList();
        assertEquals(List.of("freeze at five"), toFrontend);
        assertEquals(List.of("freeze at five", "v2 is out"), toBackend);
    }

    @Test
    void aTaskDelegatedFromTheCommandLineIsListedByTasksUntilItsPeerCompletesIt() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));

        MeshCli.Run given = cli("delegate", "backend", "run", "the", "tests", "--context", "only mesh-core");
        Matcher id = Pattern.compile("(t_[0-9a-f]{12}) pending \\(backend\\)").matcher(given.out().strip());
        assertTrue(id.matches(), given.toString());
        Map<String, Object> task = backend.awaitItem("task");
        assertEquals(id.group(1), task.get("id"));
        MeshCli.Run pending = cli("tasks");
        backend.ok("complete_task", Map.of("task_id", id.group(1), "status", "completed", "result", "all green"));
        MeshCli.Run done = cli("tasks", "--json");
        MeshCli.Run stillPending = cli("tasks", "--pending");

        assertEquals(0, pending.exit(), pending.toString());
        assertTrue(pending.out().startsWith("ID "), pending.out());
        assertTrue(pending.out().lines().anyMatch(l -> l.startsWith(id.group(1) + " ") && l.contains(" pending ")
                && l.contains(" backend ") && l.contains("run the tests")), pending.out());
        List<JsonNode> rows = json(done);
        assertEquals(1, rows.size(), done.out());
        JsonNode t = rows.get(0);
        assertEquals(id.group(1), t.path("id").asText());
        assertEquals("completed", t.path("status").asText());
        assertEquals(CliIT.CLI, t.path("from").asText());
        assertEquals("backend", t.path("to").asText());
        assertEquals("run the tests", t.path("description").asText());
        assertEquals("only mesh-core", t.path("context").asText());
        assertEquals("all green", t.path("result").asText());
        assertEquals("No pending tasks.", stillPending.out().strip());
    }

    @Test
    void replyAnswersAQuestionForThePeerItWasAskedOfAndOnlyOnce() throws Exception {
        Peer frontend = mesh.server(mesh.project("frontend"));
        Peer backend = mesh.server(mesh.project("backend"));
        CompletableFuture<Map<String, Object>> ask = CompletableFuture.supplyAsync(() ->
                frontend.ok("ask_peer", Map.of("to", "backend", "question", "Which port?", "timeout_seconds", 120)));
        String id = (String) backend.awaitItem("question").get("id");

        MeshCli.Run r = cli("reply", id, "8080", "in", "dev");
        Map<String, Object> answered = ask.get(60, TimeUnit.SECONDS);
        MeshCli.Run again = cli("reply", id, "9090");

        assertEquals(0, r.exit(), r.toString());
        assertEquals(id + " answered as backend for frontend", r.out().strip());
        assertEquals("answered", answered.get("status"), answered.toString());
        assertEquals("8080 in dev", answered.get("answer"), answered.toString());
        assertEquals(1, again.exit(), again.toString());
        assertTrue(again.err().contains("is answered; nothing to answer"), again.err());
        assertFalse(again.err().contains("reply_to_peer") || again.err().contains("ask_peer"), "in the command line's words: " + again.err());
    }

    @Test
    void peersShowsEachPeersHostAndJsonGivesOneObjectPerPeer() throws Exception {
        mesh.server(mesh.project("frontend"));
        mesh.server(mesh.project("backend"), Map.of("MESH_HOST_NAME", "buildbox"));

        MeshCli.Run table = cli("peers");
        MeshCli.Run json = cli("peers", "--json");

        assertEquals(0, table.exit(), table.toString());
        assertTrue(table.out().lines().findFirst().orElse("").matches("NAME\\s+STATUS\\s+LAST SEEN \\(UTC\\)\\s+HOST\\s+PROJECT.*"), table.out());
        assertTrue(table.out().lines().anyMatch(l -> l.startsWith("backend ") && l.contains(" buildbox ")), table.out());
        Map<String, JsonNode> byName = new HashMap<>();
        json(json).forEach(p -> byName.put(p.path("name").asText(), p));
        assertEquals(List.of("backend", "frontend"), byName.keySet().stream().sorted().toList(), json.out());
        assertEquals("buildbox", byName.get("backend").path("host").asText());
        assertFalse(byName.get("backend").path("this_host").asBoolean());
        assertEquals("active", byName.get("frontend").path("status").asText());
        assertTrue(byName.get("frontend").path("project").asText().endsWith("frontend"));
    }

    @Test
    void statusJsonIsOneObjectWithTheDatabasePeersAndQueuedMail() throws Exception {
        mesh.server(mesh.project("frontend"));
        cli("send", "frontend", "hello");

        MeshCli.Run r = cli("status", "--json");

        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> objects = json(r);
        assertEquals(1, objects.size(), r.out());
        JsonNode s = objects.get(0);
        assertEquals(mesh.where(), s.path("database").asText());
        assertEquals("frontend", s.path("peers").path("active").path(0).asText(), r.out());
        assertEquals(1, s.path("queued").path("frontend").asInt(), r.out());
    }

    @Test
    void tailShowsAQuestionAbandonedAfterItsPeerHadSeenIt() throws Exception {
        Peer frontend = mesh.server(mesh.project("frontend"));
        Peer backend = mesh.server(mesh.project("backend"));
        CompletableFuture.runAsync(() -> frontend.call("ask_peer", Map.of("to", "backend", "question", "Still there?",
                "timeout_seconds", 600)));
        String id = (String) backend.awaitItem("question").get("id"); // seen by its peer, never answered
        kill9(Long.parseLong(sql("SELECT server_pid FROM peers WHERE name_key = 'frontend'")));
        assertEquals(0, cli("gc").exit()); // the asker's process is gone: nobody waits any more

        MeshCli.Run lines = cli("tail", "--from-start", "--no-follow");
        MeshCli.Run json = cli("tail", "--from-start", "--no-follow", "--json");

        assertEquals(0, lines.exit(), lines.toString());
        List<String> out = lines.out().lines().toList();
        assertEquals(2, out.size(), lines.out());
        String time = "\\d\\d:\\d\\d:\\d\\d\\.\\d{3} ";
        assertTrue(out.get(0).matches(time + "question\\s+" + id + " frontend -> backend: Still there\\?"), out.get(0));
        assertTrue(out.get(1).matches(time + "abandoned\\s+" + id + " frontend -> backend: Still there\\?"), out.get(1));
        List<JsonNode> events = json(json);
        assertEquals(List.of("question", "abandoned"), events.stream().map(e -> e.path("kind").asText()).toList(), json.out());
        assertEquals(id, events.get(1).path("id").asText());
        assertTrue(events.get(1).path("at").asText().endsWith("Z"), json.out());
    }

    @Test
    void tailShowsAQuestionThatExpiredUnseenWithItsWithdrawalUnderDelivery() throws Exception {
        mesh.server(mesh.project("backend"));
        MeshCli.Run ask = cli("ask", "backend", "anyone", "there?", "--timeout", "1");
        assertEquals(3, ask.exit(), ask.toString());

        MeshCli.Run plain = cli("tail", "--from-start", "--no-follow", "--json");
        MeshCli.Run delivery = cli("tail", "--from-start", "--no-follow", "--json", "--delivery");

        assertEquals(List.of("question", "expired"), json(plain).stream().map(e -> e.path("kind").asText()).toList(), plain.out());
        List<JsonNode> steps = json(delivery);
        assertEquals(List.of("question", "queued", "withdrawn", "expired"), steps.stream().map(e -> e.path("kind").asText()).toList(),
                delivery.out());
        assertEquals("expired", steps.get(2).path("via").asText(), delivery.out());
        assertEquals(CliIT.CLI, steps.get(3).path("from").asText(), delivery.out());
        assertEquals("anyone there?", steps.get(3).path("text").asText(), delivery.out());
    }

    @Test
    void tailDeliveryShowsEachStepOfAnItemAndDashNCountsThemAsLines() throws Exception {
        Peer backend = mesh.server(mesh.project("backend"));
        MeshCli.Run sent = cli("send", "backend", "build", "is", "green");
        String id = sent.out().strip().split(" ")[0];
        backend.inbox(); // the session reads it: seen, through the tool's result

        MeshCli.Run all = cli("tail", "--from-start", "--no-follow", "--delivery", "--json");
        MeshCli.Run last = cli("tail", "-n", "1", "--no-follow", "--delivery");
        MeshCli.Run plain = cli("tail", "--from-start", "--no-follow");

        List<JsonNode> events = json(all);
        assertEquals(List.of("message", "queued", "seen"), events.stream().map(e -> e.path("kind").asText()).toList(), all.out());
        events.forEach(e -> assertEquals(id, e.path("id").asText(), all.out()));
        assertEquals("backend", events.get(2).path("to").asText());
        assertEquals("tool-result", events.get(2).path("via").asText(), all.out());
        assertEquals(1, last.out().lines().count(), last.out());
        assertTrue(last.out().strip().matches("\\S+ seen\\s+" + id + " -> backend via tool-result"), last.out());
        assertEquals(1, plain.out().lines().count(), "without --delivery only the item: " + plain.out());
    }

    @Test
    void completionPrintsABashScriptThatKnowsEveryCommand() throws Exception {
        MeshCli.Run r = cli("completion");

        assertEquals(0, r.exit(), r.toString());
        for (String sub : List.of("broadcast", "delegate", "tasks", "reply", "tail", "peers", "completion")) {
            assertTrue(r.out().contains(sub), "completion lacks " + sub);
        }
        Path script = Files.writeString(tmp.resolve("claude-mesh.bash"), r.out());
        Process bash = new ProcessBuilder("bash", "-c", "source " + script + " && complete -p claude-mesh").redirectErrorStream(true).start();
        String said = new String(bash.getInputStream().readAllBytes());
        assertEquals(0, bash.waitFor(), said);
        assertTrue(said.contains("claude-mesh"), said);
    }

    @Test
    void badUsageOfTheNewCommandsExitsTwoAndNamesTheProblem() throws Exception {
        for (List<String> args : List.of(
                List.of("broadcast"),
                List.of("broadcast", "--topic", "no spaces", "hi"),
                List.of("delegate", "backend"),
                List.of("delegate", "../x", "do it"),
                List.of("reply", "q_123"),
                List.of("tasks", "--peer", "a/b"),
                List.of("status", "--jsn"))) {
            MeshCli.Run r = cli(args.toArray(String[]::new));
            assertEquals(2, r.exit(), args + ": " + r);
            assertFalse(r.err().isBlank(), args + " should say what is wrong on stderr");
            assertEquals("", r.out(), args + " should print nothing on stdout");
        }
        MeshCli.Run noQuestion = cli("reply", "q_nope", "hi");
        assertEquals(1, noQuestion.exit(), noQuestion.toString());
        assertTrue(noQuestion.err().contains("'q_nope'"), noQuestion.err());
    }

    // ------------------------------------------------------------------ running the CLI

    private String sql(String query) throws Exception {
        try (var c = mesh.connect(); var st = c.createStatement(); var rs = st.executeQuery(query)) {
            assertTrue(rs.next(), query);
            return rs.getString(1);
        }
    }

    /** SIGKILL for a server this test started (one of this JVM's descendants). */
    private static void kill9(long pid) throws Exception {
        ProcessHandle h = ProcessHandle.current().descendants().filter(d -> d.pid() == pid).findFirst()
                .orElseThrow(() -> new AssertionError("pid " + pid + " is not a server this test started"));
        assertTrue(h.destroyForcibly(), "could not kill " + pid);
        h.onExit().get(30, TimeUnit.SECONDS);
    }

    private MeshCli.Run cli(String... args) throws Exception {
        Map<String, String> env = new HashMap<>(mesh.dbEnv());
        env.put("HOME", Files.createDirectories(tmp.resolve("home")).toString());
        return MeshCli.run(Files.createDirectories(tmp.resolve("cli-cwd")), env, args);
    }

    /** Every line of stdout as JSON: --json prints nothing else. */
    private static List<JsonNode> json(MeshCli.Run r) throws Exception {
        assertEquals(0, r.exit(), r.toString());
        List<JsonNode> out = new ArrayList<>();
        for (String line : r.outLines()) {
            out.add(MeshFixture.JSON.readTree(line));
        }
        return out;
    }
}
