package dev.claudemesh.view;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.testing.HeadlessBrowser;
import dev.claudemesh.testing.MeshCli;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.MeshFixture.Peer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@code claude-mesh view} as a person uses it: the real command started from its launcher on the test's mesh
 * (SQLite, and PostgreSQL on the second pass), real servers started and driven over MCP, and the page driven in a
 * real headless Chromium over the DevTools protocol. Screenshots go to {@code mesh-it/target/screenshots/}.
 *
 * <p>The browser tests are skipped, saying why, when no Chromium is installed, unless MESH_REQUIRE_BROWSER=1
 * (CI), which makes a missing browser a failure. The HTTP tests need no browser.
 */
class ViewIT {
    private static final Duration LIMIT = Duration.ofSeconds(60);
    private static final Pattern URL = Pattern.compile("^(http://127\\.0\\.0\\.1:(\\d+)/([0-9a-f]{40})/)$");
    private static final Path SCREENSHOTS = MeshFixture.repoRoot().resolve("mesh-it/target/screenshots");
    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    private static HeadlessBrowser browser;

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------ the page, live

    @Test
    void aPeerAppearsWhenItsServerStartsAndAQuestionThenItsAnswerAppearWithoutAReload() throws Exception {
        HeadlessBrowser b = browser();
        try (MeshFixture mesh = new MeshFixture(tmp); View view = View.start(mesh, tmp)) {
            b.resize(1280, 860);
            int requestsBefore = b.requests().size();
            int loadsBefore = b.loads();
            b.navigate(view.url());
            b.waitFor("the empty state over a live stream", "document.body.dataset.connection === 'live' "
                    + "&& !document.getElementById('empty').hidden", "document.body.innerText", LIMIT);
            b.evaluate("window.loadedOnce = 'yes'");
            shot(b, "1-empty");

            Peer frontend = mesh.server(mesh.project("frontend"));
            b.waitFor("frontend, online", peer("frontend", "active"), "document.getElementById('peers').innerText", LIMIT);
            assertTrue(b.evaluate("document.getElementById('empty').hidden").asBoolean(), "the empty state gives way");
            assertTrue(b.evaluate(peerText("frontend")).asText().contains(mesh.project("frontend").toString()),
                    "a peer shows its project: " + b.evaluate(peerText("frontend")));
            shot(b, "2-peer");

            Peer backend = mesh.server(mesh.project("backend"));
            b.waitFor("backend, online", peer("backend", "active"), "document.getElementById('peers').innerText", LIMIT);
            CompletableFuture<Map<String, Object>> asked = CompletableFuture.supplyAsync(() -> frontend.ok("ask_peer",
                    Map.of("to", "backend", "question", "Which port does the API listen on in dev?", "timeout_seconds", 120)));
            String card = "[...document.querySelectorAll('#items li.item')].find(e => e.innerText.includes('Which port does the API'))";
            b.waitFor("the question, pending and queued for backend", card + " && " + card + ".querySelector('.q-status').textContent === 'pending' && "
                    + card + ".querySelector('.receipt[data-recipient=backend]').dataset.state === 'queued'", "document.getElementById('items').innerText", LIMIT);
            shot(b, "3-question");

            String id = (String) backend.awaitItem("question").get("id");
            assertEquals(id, b.evaluate(card + ".dataset.id").asText());
            // poll_inbox handed it to backend's live session in a tool result, with no transcript to prove it by:
            // that result going back is the proof, so it is seen at once.
            b.waitFor("the question seen by backend", card + ".querySelector('.receipt[data-recipient=backend]').dataset.state === 'seen' && "
                    + card + ".querySelector('.receipt[data-recipient=backend]').dataset.via === 'tool-result'", card + ".innerText", LIMIT);

            backend.ok("reply_to_peer", Map.of("question_id", id, "answer", "8080; the Vite dev server proxies /api to it."));
            b.waitFor("the answer in the question's card", card + ".querySelector('.answer-text') && "
                    + card + ".querySelector('.answer-text').textContent === '8080; the Vite dev server proxies /api to it.' && "
                    + card + ".querySelector('.q-status').textContent === 'answered' && "
                    + card + ".querySelector('.receipt[data-recipient=backend]').dataset.state === 'answered'", card + ".innerText", LIMIT);
            assertEquals("answered", asked.get(60, TimeUnit.SECONDS).get("status"));
            b.waitFor("the answer seen by frontend, whose ask_peer returned it", card + ".querySelector('.delivery .receipt[data-recipient=frontend]') && "
                    + card + ".querySelector('.delivery .receipt[data-recipient=frontend]').dataset.state === 'seen'", card + ".innerText", LIMIT);
            shot(b, "4-answer");

            assertEquals("yes", b.evaluate("window.loadedOnce").asText(), "the page was never reloaded");
            assertEquals(loadsBefore + 1, b.loads(), "one page load");
            // Only this view's (its token is its own): an earlier test's page may have retried its own stream meanwhile.
            List<String> requested = b.requests().subList(requestsBefore, b.requests().size()).stream()
                    .filter(u -> u.startsWith(view.url())).toList();
            assertEquals(List.of(view.url(), view.url() + "style.css", view.url() + "app.js", view.url() + "events"),
                    requested.stream().sorted(ViewIT::byPageOrder).toList(),
                    "the page, its two files and one event stream; no polling: " + requested);

            b.resize(390, 844);
            b.waitFor("one column", "document.getElementById('peers-section').getBoundingClientRect().bottom "
                    + "<= document.getElementById('items-section').getBoundingClientRect().top", "window.innerWidth", LIMIT);
            assertTrue(b.evaluate("document.documentElement.scrollWidth <= window.innerWidth").asBoolean(),
                    "nothing wider than a narrow window: " + b.evaluate("document.documentElement.scrollWidth"));
            shot(b, "5-narrow");
            b.resize(1280, 860);
        }
    }

    @Test
    void anItemAHookOfferedShowsOfferedUntilTheSessionsTranscriptShowsItThenSeen() throws Exception {
        HeadlessBrowser b = browser();
        try (MeshFixture mesh = new MeshFixture(tmp); View view = View.start(mesh, tmp)) {
            Path backendDir = mesh.project("backend");
            Peer frontend = mesh.server(mesh.project("frontend"));
            mesh.server(backendDir);
            Path transcript = tmp.resolve("backend-session.jsonl");
            b.resize(1280, 860);
            b.navigate(view.url());
            String id = (String) frontend.ok("tell_peer", Map.of("to", "backend", "message", "Staging is frozen until 18:00."))
                    .get("message_id");
            String receipt = "document.querySelector('#items li[data-id=\"" + id + "\"] .receipt[data-recipient=backend]')";
            b.waitFor("the message queued for backend", receipt + " && " + receipt + ".dataset.state === 'queued'",
                    "document.getElementById('items').innerText", LIMIT);

            // backend's UserPromptSubmit hook hands it to the session: offered, not yet seen.
            MeshFixture.HookRun prompt = mesh.hook("inbox-poll", backendDir, MeshFixture.hookJson("UserPromptSubmit", "s-1",
                    backendDir, Map.of("prompt", "next", "transcript_path", transcript.toString())));
            assertEquals(0, prompt.exitCode(), prompt.stderr());
            String context = prompt.additionalContext();
            assertTrue(context.contains(id), context);
            b.waitFor("the message offered to backend by its prompt hook", receipt + ".dataset.state === 'offered' && "
                    + receipt + ".dataset.via === 'prompt'", receipt + ".outerHTML", LIMIT);
            shot(b, "9-offered");
            assertEquals("offered", receipt(view, id, "backend").get("state").asText(),
                    "offered until the transcript shows it: " + receipt(view, id, "backend"));

            // Claude Code records the hook's text as the model got it; backend's server settles the offer against it.
            Files.writeString(transcript, MeshFixture.JSON.writeValueAsString(Map.of("type", "attachment", "attachment",
                    Map.of("type", "hook_additional_context", "content", List.of(context), "hookName", "UserPromptSubmit"))) + "\n");
            b.waitFor("the message seen by backend, proven by its transcript", receipt + ".dataset.state === 'seen' && "
                    + receipt + ".dataset.via === 'transcript'", receipt + ".outerHTML", LIMIT);
            shot(b, "10-seen");
        }
    }

    /** Item {@code id}'s receipt for {@code recipient}, as the view's JSON API gives it. */
    private static JsonNode receipt(View view, String id, String recipient) throws Exception {
        JsonNode state = MeshFixture.JSON.readTree(get(view.url() + "api/state", Map.of()).body());
        for (JsonNode item : state.get("items")) {
            if (id.equals(item.get("id").asText())) {
                for (JsonNode r : item.get("delivery")) {
                    if (recipient.equals(r.get("recipient").asText())) {
                        return r;
                    }
                }
            }
        }
        throw new AssertionError("no receipt of " + id + " for " + recipient + " in " + state);
    }

    @Test
    void itemsShowTheirStatesFilterByPeerTopicAndKindAndPeerTextStaysText() throws Exception {
        HeadlessBrowser b = browser();
        try (MeshFixture mesh = new MeshFixture(tmp); View view = View.start(mesh, tmp)) {
            Peer alpha = mesh.server(mesh.project("alpha"));
            Peer beta = mesh.server(mesh.project("beta"));
            Peer gamma = mesh.server(mesh.project("gamma"));
            beta.ok("subscribe", Map.of("topic", "schema"));
            gamma.ok("set_summary", Map.of("summary", "<b>bold?</b> \u202eevil\u202c"));
            alpha.ok("broadcast", Map.of("message", "users.email is NOT NULL now", "topic", "schema"));
            alpha.ok("tell_peer", Map.of("to", "gamma", "message",
                    "<img src=x onerror=\"window.pwned=1\"> \u001b[31mred\u001b[0m \u202eesrever"));
            String task = (String) alpha.ok("delegate_task", Map.of("to", "beta", "description", "Add GET /health",
                    "context", "for the dev proxy")).get("task_id");
            beta.ok("complete_task", Map.of("task_id", task, "status", "completed", "result", "Added in api/health.go"));

            b.resize(1280, 1000);
            b.navigate(view.url());
            b.waitFor("three items", "document.querySelectorAll('#items li.item').length === 3", "document.getElementById('items').innerText", LIMIT);

            String taskCard = "document.querySelector('#items li[data-id=\"" + task + "\"]')";
            assertEquals("completed", b.evaluate(taskCard + ".querySelector('.t-status').textContent").asText());
            assertEquals("Added in api/health.go", b.evaluate(taskCard + ".querySelector('.result-text').textContent").asText());
            assertEquals("for the dev proxy", b.evaluate(taskCard + ".querySelector('.context').textContent").asText());
            assertEquals("completed", b.evaluate(taskCard + ".querySelector('.receipt[data-recipient=beta]').dataset.state").asText());
            assertEquals("queued", b.evaluate(taskCard + ".querySelectorAll('.delivery')[1].querySelector('.receipt[data-recipient=alpha]').dataset.state").asText(),
                    "the result waits for alpha, who never read it");

            String message = "[...document.querySelectorAll('#items li[data-kind=message]')][0]";
            String body = b.evaluate(message + ".querySelector('.body').textContent").asText();
            assertTrue(body.startsWith("<img src=x onerror=\"window.pwned=1\">"), "markup is shown as text: " + body);
            assertTrue(body.contains("\\u001b[31mred\\u001b[0m") && body.contains("\\u202eesrever"),
                    "terminal and bidi controls are made visible: " + body);
            assertEquals(0, b.evaluate("document.querySelectorAll('main img, main b, main script').length").asInt());
            assertTrue(b.evaluate("window.pwned === undefined").asBoolean());
            assertEquals("<b>bold?</b> \\u202eevil\\u202c", b.evaluate(peerText("gamma") + " && document.querySelector('li.peer[data-name=gamma] .summary').textContent").asText());
            shot(b, "6-kinds");

            assertEquals(List.of("task", "message", "broadcast"), visibleKinds(b), "newest first");
            b.evaluate("document.querySelector('input[name=kind][value=task]').click()");
            assertEquals(List.of("message", "broadcast"), visibleKinds(b));
            select(b, "filter-topic", "schema");
            assertEquals(List.of("broadcast"), visibleKinds(b));
            assertEquals("#schema", b.evaluate("[...document.querySelectorAll('#items li[data-kind=broadcast]')][0].querySelector('.to').textContent").asText());
            select(b, "filter-topic", "");
            select(b, "filter-peer", "gamma");
            assertEquals(List.of("message"), visibleKinds(b));
            b.evaluate("document.querySelector('input[name=kind][value=message]').click()");
            assertEquals(List.of(), visibleKinds(b));
            assertFalse(b.evaluate("document.getElementById('no-match').hidden").asBoolean(), "says nothing matches");
            shot(b, "7-filtered");
        }
    }

    @Test
    void withAllowSendAPersonAnswersAQuestionAskedOfUserAndSendsAMessageFromThePage() throws Exception {
        HeadlessBrowser b = browser();
        try (MeshFixture mesh = new MeshFixture(tmp); View view = View.start(mesh, tmp, "--allow-send")) {
            Peer frontend = mesh.server(mesh.project("frontend"));
            b.resize(1280, 860);
            b.navigate(view.url());
            b.waitFor("the view's own peer, user", peer("user", "active"), "document.getElementById('peers').innerText", LIMIT);

            CompletableFuture<Map<String, Object>> asked = CompletableFuture.supplyAsync(() -> frontend.ok("ask_peer",
                    Map.of("to", "user", "question", "May I drop the old users table?", "timeout_seconds", 120)));
            String form = "document.querySelector('#items li[data-kind=question] form.answer-form')";
            b.waitFor("an answer box on the question", form, "document.getElementById('items').innerText", LIMIT);
            b.evaluate("(() => { const t = " + form + ".querySelector('textarea'); t.value = 'Yes, after the backup at 18:00.';"
                    + " t.dispatchEvent(new Event('input')); " + form + ".querySelector('button').click(); })()");
            Map<String, Object> answered = asked.get(60, TimeUnit.SECONDS);
            assertEquals("answered", answered.get("status"));
            assertEquals("Yes, after the backup at 18:00.", answered.get("answer"));
            b.waitFor("the answer on the page", "document.querySelector('#items .answer-text')", "document.getElementById('items').innerText", LIMIT);

            b.waitFor("frontend among the recipients", "[...document.querySelectorAll('#send-to option')].some(o => o.value === 'frontend')",
                    "document.getElementById('send-to').innerHTML", LIMIT);
            b.evaluate("(() => { document.getElementById('send-to').value = 'frontend';"
                    + " document.getElementById('send-text').value = 'Thanks, go ahead.';"
                    + " document.querySelector('#send-form button').click(); })()");
            Map<String, Object> message = frontend.awaitItem("message");
            assertEquals("user", message.get("from"));
            assertEquals("Thanks, go ahead.", message.get("body"));
            b.waitFor("the message on the page", "document.querySelector('#items li[data-kind=message]')", "document.getElementById('items').innerText", LIMIT);
            shot(b, "8-allow-send");
        }
    }

    // ------------------------------------------------------------------ HTTP: who may look, who may write

    @Test
    void everyRequestWithoutTheTokenIsRefusedAndLearnsNothing() throws Exception {
        try (MeshFixture mesh = new MeshFixture(tmp); View view = View.start(mesh, tmp)) {
            String root = "http://127.0.0.1:" + view.port();
            String wrong = "0".repeat(40).equals(view.token()) ? "1".repeat(40) : "0".repeat(40);
            for (String path : List.of("/", "/app.js", "/style.css", "/api/state", "/events", "/" + wrong + "/",
                    "/" + wrong + "/api/state", "/" + wrong + "/events", "/" + view.token().substring(0, 39) + "/api/state",
                    "/" + view.token() + "0/api/state", "/api/state?token=" + view.token(), "/favicon.ico")) {
                HttpResponse<String> r = get(root + path, Map.of());
                assertEquals(403, r.statusCode(), path);
                assertEquals("", r.body(), path + " says nothing");
                assertNoCors(r, path);
                assertEquals(Optional.empty(), r.headers().firstValue("Content-Type"), path);
            }
            HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(URI.create(root + "/api/send"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(403, post.statusCode());

            // Another name for this address (DNS rebinding), even with the token, gets the same bare refusal.
            String rebound = raw(view.port(), "GET /" + view.token() + "/api/state HTTP/1.1\r\nHost: evil.example:" + view.port()
                    + "\r\nConnection: close\r\n\r\n");
            assertTrue(rebound.startsWith("HTTP/1.1 403"), rebound);
            assertFalse(rebound.contains("\"peers\""), rebound);

            HttpResponse<String> state = get(view.url() + "api/state", Map.of("Origin", "https://evil.example"));
            assertEquals(200, state.statusCode());
            assertTrue(state.body().contains("\"peers\":[]"), state.body());
            assertNoCors(state, "api/state with a foreign Origin");
            assertTrue(state.headers().firstValue("Content-Security-Policy").orElse("").contains("default-src 'none'"));
            HttpResponse<String> preflight = HTTP.send(HttpRequest.newBuilder(URI.create(view.url() + "api/state"))
                    .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://evil.example")
                    .header("Access-Control-Request-Method", "POST").build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(405, preflight.statusCode());
            assertNoCors(preflight, "a preflight");
            assertEquals(404, get(view.url() + "nothing-here", Map.of()).statusCode());
            assertEquals(302, get(root + "/" + view.token(), Map.of()).statusCode(), "the token alone leads to the page");
        }
    }

    @Test
    void writesNeedAllowSendAndMustComeFromTheViewsOwnPageAsJson() throws Exception {
        Path readOnlyDir = Files.createDirectories(tmp.resolve("read-only"));
        try (MeshFixture mesh = new MeshFixture(tmp); View readOnly = View.start(mesh, readOnlyDir)) {
            Peer frontend = mesh.server(mesh.project("frontend"));
            HttpResponse<String> refused = post(readOnly, "api/send", Map.of("Origin", readOnly.origin()), "application/json",
                    "{\"to\": \"frontend\", \"message\": \"hi\"}");
            assertEquals(403, refused.statusCode());
            assertTrue(refused.body().contains("--allow-send"), refused.body());

            try (View view = View.start(mesh, Files.createDirectories(tmp.resolve("writer")), "--allow-send")) {
                String json = "{\"to\": \"frontend\", \"message\": \"from the page\"}";
                assertEquals(403, post(view, "api/send", Map.of("Origin", "https://evil.example"), "application/json", json).statusCode(),
                        "another site's Origin");
                assertEquals(403, post(view, "api/send", Map.of(), "application/json", json).statusCode(), "no Origin, no Referer");
                assertEquals(403, post(view, "api/send", Map.of("Referer", "https://evil.example/" + view.token() + "/"),
                        "application/json", json).statusCode(), "another site's Referer");
                assertEquals(403, post(view, "api/send", Map.of("Origin", view.origin(), "Sec-Fetch-Site", "cross-site"),
                        "application/json", json).statusCode(), "the browser says cross-site");
                for (String simple : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
                    HttpResponse<String> r = post(view, "api/send", Map.of("Origin", view.origin()), simple, json);
                    assertEquals(415, r.statusCode(), simple + " (what a cross-site form can send)");
                    assertNoCors(r, simple);
                }
                assertEquals(405, get(view.url() + "api/send", Map.of()).statusCode());

                HttpResponse<String> sent = post(view, "api/send", Map.of("Origin", view.origin()), "application/json", json);
                assertEquals(200, sent.statusCode(), sent.body());
                assertNoCors(sent, "a write");
                assertTrue(sent.body().contains("\"status\":\"sent\""), sent.body());
                List<Map<String, Object>> got = frontend.inbox();
                assertEquals(1, got.size(), "only the one write that passed every check arrived: " + got);
                assertEquals("user", got.get(0).get("from"));
                assertEquals("from the page", got.get(0).get("body"));

                HttpResponse<String> sameOriginReferer = post(view, "api/send", Map.of("Referer", view.url()), "application/json",
                        "{\"to\": \"frontend\", \"message\": \"again\"}");
                assertEquals(200, sameOriginReferer.statusCode(), "without Origin, the page's own Referer will do");

                Peer backend = mesh.server(mesh.project("backend"));
                CompletableFuture<Map<String, Object>> asked = CompletableFuture.supplyAsync(() -> frontend.ok("ask_peer",
                        Map.of("to", "backend", "question", "not for user", "timeout_seconds", 60)));
                String qid = (String) backend.awaitItem("question").get("id");
                HttpResponse<String> notYours = post(view, "api/answer", Map.of("Origin", view.origin()), "application/json",
                        "{\"question_id\": \"" + qid + "\", \"answer\": \"I say yes\"}");
                assertEquals(400, notYours.statusCode());
                assertTrue(notYours.body().contains("only 'backend' can answer it"), notYours.body());
                backend.ok("reply_to_peer", Map.of("question_id", qid, "answer", "backend says no"));
                assertEquals("backend says no", asked.get(60, TimeUnit.SECONDS).get("answer"));

                assertEquals(400, post(view, "api/send", Map.of("Origin", view.origin()), "application/json", "{\"to\": 5}").statusCode());
                assertEquals(400, post(view, "api/send", Map.of("Origin", view.origin()), "application/json", "not json").statusCode());
            }
        }
    }

    @Test
    void badOptionsABusyPortAndALiveSessionsNameAreRefusedNamingTheProblem() throws Exception {
        try (MeshFixture mesh = new MeshFixture(tmp); View view = View.start(mesh, tmp)) {
            Map<String, String> env = new java.util.HashMap<>(mesh.dbEnv());
            env.put("HOME", Files.createDirectories(tmp.resolve("home2")).toString());
            MeshCli.Run port = MeshCli.run(tmp, env, "view", "--no-open", "--port", "70000");
            assertEquals(2, port.exit(), port.toString());
            assertTrue(port.err().contains("--port must be between 0 and 65535 (got 70000)"), port.toString());
            MeshCli.Run as = MeshCli.run(tmp, env, "view", "--no-open", "--as", "alice");
            assertEquals(2, as.exit(), as.toString());
            assertTrue(as.err().contains("--as names the peer the page writes as, so it needs --allow-send"), as.toString());
            MeshCli.Run busy = MeshCli.run(tmp, env, "view", "--no-open", "--port", String.valueOf(view.port()));
            assertEquals(1, busy.exit(), busy.toString());
            assertTrue(busy.err().contains("cannot listen on 127.0.0.1:" + view.port()) && busy.err().contains("--port"), busy.toString());
            assertEquals("", busy.out(), "no URL is printed for a view that is not there");

            MeshCli.Run badName = MeshCli.run(tmp, env, "view", "--no-open", "--allow-send", "--as", "no spaces please");
            assertEquals(2, badName.exit(), badName.toString());
            assertTrue(badName.err().contains("--as: "), badName.toString());
            assertEquals("", badName.out(), badName.toString());
            mesh.server(mesh.project("backend"));
            MeshCli.Run taken = MeshCli.run(tmp, env, "view", "--no-open", "--allow-send", "--as", "backend");
            assertEquals(1, taken.exit(), taken.toString());
            assertTrue(taken.err().contains("--as backend: ") && taken.err().contains("live session"), taken.toString());
            assertEquals("", taken.out(), "no URL is printed for a view that is not there");
        }
    }

    @Test
    void theBrowserIsGivenAPrivateFileThatForwardsToTheUrlSoTheTokenIsOnNoCommandLine() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path seen = Files.createDirectories(tmp.resolve("seen"));
        Path opener = bin.resolve("xdg-open");
        // A stand-in for the desktop's opener: it records what it was given, as a browser would receive it.
        Files.writeString(opener, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + seen + "/args'\n"
                + "stat -c %a \"$1\" > '" + seen + "/mode'\nstat -c %a \"$(dirname \"$1\")\" > '" + seen + "/dir-mode'\n"
                + "cat \"$1\" > '" + seen + "/content'\n");
        Files.setPosixFilePermissions(opener, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        Path launcher;
        try (MeshFixture mesh = new MeshFixture(tmp);
             View view = View.start(mesh, tmp, Map.of("DISPLAY", ":99", "PATH", bin + File.pathSeparator + System.getenv("PATH")), List.of())) {
            assertTrue(view.lines(3).get(2).startsWith("Opened in your browser."), view.output().toString());
            Path content = seen.resolve("content");
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (!Files.exists(content) || Files.readString(content).isEmpty()) {
                assertTrue(System.nanoTime() < deadline, "the opener was not run");
                Thread.sleep(20);
            }
            List<String> args = Files.readAllLines(seen.resolve("args"));
            assertEquals(1, args.size(), args.toString());
            assertFalse(args.get(0).contains(view.token()), "the token is on no command line: " + args);
            assertEquals("600", Files.readString(seen.resolve("mode")).trim(), "only its owner can read the file");
            assertEquals("700", Files.readString(seen.resolve("dir-mode")).trim());
            assertTrue(Files.readString(content).contains("url=" + view.url() + "\""), Files.readString(content));
            launcher = Path.of(args.get(0));
        }
        assertFalse(Files.exists(launcher), "the file goes when the view stops");
    }

    @Test
    void withoutADesktopTheViewOnlyPrintsItsUrlAndRuns() throws Exception {
        try (MeshFixture mesh = new MeshFixture(tmp); View view = View.start(mesh, tmp, Map.of(), List.of())) {
            List<String> lines = view.lines(3);
            assertEquals("Read-only (--allow-send lets the page send messages and answer questions).", lines.get(1));
            assertTrue(lines.get(2).startsWith("Open the URL above in a browser."), lines.toString());
            assertEquals(200, get(view.url() + "api/state", Map.of()).statusCode());
        }
    }

    // ------------------------------------------------------------------ helpers

    /** {@code claude-mesh view --no-open} on the fixture's mesh, run from its launcher as a person would. */
    private record View(Process process, String url, int port, String token, List<String> output) implements AutoCloseable {
        static View start(MeshFixture mesh, Path dir, String... options) throws Exception {
            List<String> args = new ArrayList<>(List.of("--no-open"));
            args.addAll(List.of(options));
            return start(mesh, dir, Map.of(), args);
        }

        /** With no DISPLAY or WAYLAND_DISPLAY unless {@code env} sets one. */
        static View start(MeshFixture mesh, Path dir, Map<String, String> env, List<String> options) throws Exception {
            Path home = Files.createDirectories(dir.resolve("home"));
            List<String> cmd = new ArrayList<>(List.of(MeshFixture.bin("claude-mesh").toString(), "view"));
            cmd.addAll(options);
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectError(dir.resolve("view.err").toFile());
            for (String v : List.of("CLAUDE_MESH_PROJECT_PATH", "CLAUDE_PROJECT_DIR", "CLAUDE_CONFIG_DIR", "DISPLAY", "WAYLAND_DISPLAY")) {
                pb.environment().remove(v);
            }
            pb.environment().put("HOME", home.toString());
            pb.environment().put("CLAUDE_MESH_CACHE_DIR", MeshCli.LAUNCHER_CACHE.toString());
            pb.environment().putAll(mesh.dbEnv());
            pb.environment().putAll(env);
            Process p = pb.start();
            List<String> output = new java.util.concurrent.CopyOnWriteArrayList<>();
            CompletableFuture<String> first = new CompletableFuture<>();
            // Read every line (so the process never blocks on a full pipe), handing over the first.
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        output.add(line);
                        first.complete(line);
                    }
                } catch (IOException ignored) {
                    // the view ended
                }
                first.complete(null);
            }, "view-stdout");
            reader.setDaemon(true);
            reader.start();
            String line;
            try {
                line = first.get(LIMIT.toSeconds(), TimeUnit.SECONDS);
            } catch (Exception e) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("claude-mesh view printed no URL: " + Files.readString(dir.resolve("view.err")), e);
            }
            Matcher m = URL.matcher(line == null ? "" : line);
            if (!m.matches()) {
                p.destroyForcibly();
                throw new AssertionError("claude-mesh view's first line is not its URL: " + line + "\n"
                        + Files.readString(dir.resolve("view.err")));
            }
            return new View(p, m.group(1), Integer.parseInt(m.group(2)), m.group(3), output);
        }

        /** The lines printed so far, waiting (up to a limit) until there are {@code n}. */
        List<String> lines(int n) throws InterruptedException {
            long deadline = System.nanoTime() + LIMIT.toNanos();
            while (output.size() < n && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            return List.copyOf(output);
        }

        String origin() {
            return "http://127.0.0.1:" + port;
        }

        @Override
        public void close() {
            process.destroy(); // SIGTERM, as Ctrl-C would: the view stops and its peer leaves
            try {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.descendants().forEach(ProcessHandle::destroyForcibly);
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private static HeadlessBrowser browser() throws Exception {
        if (browser == null) {
            Optional<Path> chromium = HeadlessBrowser.find();
            String why = "no Chromium found (chromium, chromium-browser or google-chrome on PATH, or MESH_CHROMIUM), so the "
                    + "web view's browser test cannot run; install it with apt-get install chromium";
            if (chromium.isEmpty()) {
                if ("1".equals(System.getenv("MESH_REQUIRE_BROWSER"))) {
                    fail(why + " (MESH_REQUIRE_BROWSER=1 makes this a failure)");
                }
                Assumptions.abort(why);
            }
            browser = HeadlessBrowser.start(chromium.get(), 1280, 860);
        }
        return browser;
    }

    @AfterAll
    static void closeBrowser() {
        if (browser != null) {
            browser.close();
            browser = null;
        }
    }

    private static void shot(HeadlessBrowser b, String name) throws IOException {
        b.screenshot(SCREENSHOTS.resolve((MeshFixture.postgres() ? "postgresql-" : "") + "view-" + name + ".png"));
    }

    private static String peer(String name, String status) {
        return "document.querySelector('li.peer[data-name=\"" + name + "\"][data-status=\"" + status + "\"]')";
    }

    private static String peerText(String name) {
        return "document.querySelector('li.peer[data-name=\"" + name + "\"]').innerText";
    }

    private static List<String> visibleKinds(HeadlessBrowser b) {
        List<String> kinds = new ArrayList<>();
        for (JsonNode k : b.evaluate("[...document.querySelectorAll('#items li.item')].filter(e => !e.hidden).map(e => e.dataset.kind)")) {
            kinds.add(k.asText());
        }
        return kinds;
    }

    private static void select(HeadlessBrowser b, String id, String value) {
        b.evaluate("(() => { const s = document.getElementById('" + id + "'); s.value = '" + value + "';"
                + " s.dispatchEvent(new Event('change')); })()");
    }

    /** The page first, then its files and streams in the order the page asks for them. */
    private static int byPageOrder(String a, String b) {
        List<String> order = List.of("", "style.css", "app.js", "events");
        return Integer.compare(order.indexOf(a.replaceAll("^.*/", "")), order.indexOf(b.replaceAll("^.*/", "")));
    }

    private static HttpResponse<String> get(String url, Map<String, String> headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(LIMIT);
        headers.forEach(r::header);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(View view, String path, Map<String, String> headers, String type, String body)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(view.url() + path)).timeout(LIMIT)
                .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(r::header);
        return HTTP.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One request written by hand, for headers the JDK's client will not set (Host). */
    private static String raw(int port, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout((int) LIMIT.toMillis());
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void assertNoCors(HttpResponse<String> r, String what) {
        for (String name : r.headers().map().keySet()) {
            assertFalse(name.toLowerCase(java.util.Locale.ROOT).startsWith("access-control-"), what + " carries " + name);
        }
    }
}
