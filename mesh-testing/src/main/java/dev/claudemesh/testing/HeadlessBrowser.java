package dev.claudemesh.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real Chromium, headless, driven over the Chrome DevTools Protocol with nothing but the JDK's own WebSocket
 * client: navigate, evaluate JavaScript in the page, wait for a condition, take screenshots, change the window's
 * size, and list every request the page made. Close it to end the browser and remove its profile.
 */
public final class HeadlessBrowser implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> waiting = new ConcurrentHashMap<>();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<String> loads = new CopyOnWriteArrayList<>();

    /**
     * The Chromium to use: {@code MESH_CHROMIUM} when set, else {@code chromium}, {@code chromium-browser} or
     * {@code google-chrome} on PATH.
     */
    public static Optional<Path> find() {
        String given = System.getenv("MESH_CHROMIUM");
        if (given != null && !given.isBlank()) {
            return Optional.of(Path.of(given)).filter(Files::isExecutable);
        }
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                    return Optional.of(Path.of(dir, name));
                }
            }
        }
        return Optional.empty();
    }

    /** Starts {@code chromium} headless on a throw-away profile, with a window of {@code width} by {@code height}. */
    public static HeadlessBrowser start(Path chromium, int width, int height) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("mesh-chromium");
        List<String> cmd = new ArrayList<>(List.of(chromium.toString(),
                "--headless", "--disable-gpu", "--remote-debugging-port=0", "--user-data-dir=" + profile,
                // The network is closed and the run is throw-away: no updates, no sync, no first-run screens.
                "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync",
                "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio",
                "--hide-scrollbars", "--window-size=" + width + "," + height));
        if (isRoot()) {
            cmd.add("--no-sandbox"); // Chromium refuses to run as root with its sandbox on
        }
        cmd.add("about:blank");
        Process p = new ProcessBuilder(cmd)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(profile.resolveSibling(profile.getFileName() + ".out").toFile())
                .redirectErrorStream(true)
                .start();
        try {
            return new HeadlessBrowser(p, profile);
        } catch (IOException | InterruptedException | RuntimeException e) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            throw e;
        }
    }

    private static boolean isRoot() {
        try {
            return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }

    private HeadlessBrowser(Process process, Path profile) throws IOException, InterruptedException {
        this.process = process;
        this.profile = profile;
        // Chromium writes the port it chose, then the browser's endpoint, into the profile once it listens.
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
            if (!process.isAlive()) {
                throw new IOException("chromium exited (" + process.exitValue() + ") before it listened: "
                        + Files.readString(profile.resolveSibling(profile.getFileName() + ".out")));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("chromium did not open its DevTools port within 60 s");
            }
            Thread.sleep(50);
        }
        int port = Integer.parseInt(Files.readAllLines(portFile).get(0).trim());
        HttpClient http = HttpClient.newHttpClient();
        String page = null;
        while (page == null) {
            HttpResponse<String> list = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list")).build(),
                    HttpResponse.BodyHandlers.ofString());
            for (JsonNode target : JSON.readTree(list.body())) {
                if ("page".equals(target.path("type").asText())) {
                    page = target.path("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (page == null) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("chromium shows no page target: " + list.body());
                }
                Thread.sleep(50);
            }
        }
        this.socket = http.newWebSocketBuilder().buildAsync(URI.create(page), new Listener()).join();
        send("Page.enable", JSON.createObjectNode());
        send("Runtime.enable", JSON.createObjectNode());
        send("Network.enable", JSON.createObjectNode());
    }

    /** Messages from the browser: answers to our commands, and the events we keep. */
    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                try {
                    received(JSON.readTree(text));
                } catch (IOException e) {
                    waiting.values().forEach(f -> f.completeExceptionally(e));
                }
            }
            ws.request(1);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            waiting.values().forEach(f -> f.completeExceptionally(error));
        }
    }

    private void received(JsonNode message) {
        if (message.has("id")) {
            CompletableFuture<JsonNode> f = waiting.remove(message.get("id").asInt());
            if (f != null) {
                if (message.has("error")) {
                    f.completeExceptionally(new IllegalStateException("DevTools: " + message.get("error")));
                } else {
                    f.complete(message.path("result"));
                }
            }
            return;
        }
        switch (message.path("method").asText()) {
            case "Network.requestWillBeSent" -> requests.add(message.path("params").path("request").path("url").asText());
            case "Page.loadEventFired" -> loads.add(message.path("params").path("timestamp").asText());
            default -> {
            }
        }
    }

    /** Sends one DevTools command and waits for its result. */
    public JsonNode send(String method, ObjectNode params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        waiting.put(id, answer);
        ObjectNode message = JSON.createObjectNode().put("id", id).put("method", method);
        message.set("params", params);
        socket.sendText(message.toString(), true).join();
        try {
            return answer.get(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("DevTools " + method + " failed: " + e, e);
        }
    }

    /** Opens {@code url} and waits until the page has loaded. */
    public void navigate(String url) throws InterruptedException {
        int before = loads.size();
        send("Page.navigate", JSON.createObjectNode().put("url", url));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (loads.size() == before) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page at " + url + " did not load within 60 s");
            }
            Thread.sleep(20);
        }
    }

    /** The value of a JavaScript expression in the page (promises awaited). */
    public JsonNode evaluate(String expression) {
        JsonNode r = send("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true));
        if (r.has("exceptionDetails")) {
            throw new AssertionError("the page threw on " + expression + ": " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    /**
     * Waits until {@code condition} (a JavaScript expression) is true in the page; fails naming {@code what} and
     * showing {@code shownOnFailure}'s value if it is not within {@code limit}. A time limit, not a timing claim.
     */
    public void waitFor(String what, String condition, String shownOnFailure, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!evaluate("Boolean(" + condition + ")").asBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page did not show " + what + " within " + limit.toSeconds() + " s; it shows: "
                        + evaluate(shownOnFailure));
            }
            Thread.sleep(50);
        }
    }

    /** Writes a PNG of the page as it is now. */
    public void screenshot(Path file) throws IOException {
        JsonNode r = send("Page.captureScreenshot", JSON.createObjectNode().put("format", "png").put("captureBeyondViewport", true));
        Files.createDirectories(file.getParent());
        Files.write(file, Base64.getDecoder().decode(r.path("data").asText()));
    }

    /** Makes the window {@code width} by {@code height} CSS pixels, as a narrow window or a phone would be. */
    public void resize(int width, int height) {
        send("Emulation.setDeviceMetricsOverride", JSON.createObjectNode().put("width", width).put("height", height)
                .put("deviceScaleFactor", 1).put("mobile", false));
    }

    /** Every URL the page requested so far, in order (documents, scripts, styles, fetches, event streams). */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    /** How many times a page finished loading in this tab. */
    public int loads() {
        return loads.size();
    }

    @Override
    public void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        } catch (Exception ignored) {
            // the browser is stopped below either way
        }
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteTree(profile);
        try {
            Files.deleteIfExists(profile.resolveSibling(profile.getFileName() + ".out"));
        } catch (IOException ignored) {
            // a temporary file
        }
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary profile; the OS cleans /tmp eventually
        }
    }
}
