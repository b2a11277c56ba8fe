package dev.claudemesh.view;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.claudemesh.mesh.Delivery;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.StoreException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code claude-mesh view}: the mesh as a live page, served on 127.0.0.1 by the JDK's own HTTP server.
 *
 * <p>Who may look: whoever holds the URL. Its first path segment is a random token (160 bits) and every request
 * (page, script, JSON, events) must carry it; one without it, or with another, gets a bare 403 and learns nothing
 * (not even whether the path exists). A {@code Host} header that is not this server's address is refused the same
 * way, so a DNS-rebound name cannot reach the page. No response carries a CORS header, so another site's script
 * cannot read anything even by guessing the port.
 *
 * <p>Who may write: nobody, unless the view was started with {@code --allow-send}. Then a POST must also come from
 * the page itself: an {@code Origin} (or, without one, a {@code Referer}) of this server, and a JSON body, which a
 * cross-site form cannot send and a cross-site script could send only after a CORS preflight this server never
 * approves. Writes go through the domain as the view's own peer ({@code user}), so the mesh's rules apply: it can
 * answer only the questions asked of it.
 *
 * <p>Routes, under {@code /TOKEN/}: the page ({@code ""}, {@code app.js}, {@code style.css}), {@code api/state}
 * (everything as JSON), {@code events} (server-sent events, see {@link LiveFeed}), and with sending allowed
 * {@code api/send} ({@code {to, message}}) and {@code api/answer} ({@code {question_id, answer}}).
 */
public final class ViewServer implements AutoCloseable {
    /** What the page sends every response with: nothing from elsewhere, no framing, no caching, no referrer. */
    private static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
    private static final long KEEPALIVE_SECONDS = 15;

    /**
     * @param port         the port to listen on, 0 for any free one
     * @param sendAs       the peer name the page writes as; empty for a read-only view
     * @param where        where the mesh is, as the page shows it
     * @param maxBodyBytes the largest POST body accepted
     */
    public record Options(int port, Optional<String> sendAs, String where, int maxBodyBytes) {
    }

    private final Mesh mesh;
    private final Options options;
    private final ObjectMapper json = new ObjectMapper();
    private final String token;
    private final HttpServer http;
    private final ExecutorService threads;
    private final LiveFeed feed;
    private final byte[] page;
    private final byte[] script;
    private final byte[] style;

    private ViewServer(Mesh mesh, Options options) throws IOException {
        this.mesh = mesh;
        this.options = options;
        byte[] random = new byte[20];
        new SecureRandom().nextBytes(random);
        this.token = HexFormat.of().formatHex(random);
        this.page = resource("index.html");
        this.script = resource("app.js");
        this.style = resource("style.css");
        ObjectNode facts = json.createObjectNode()
                .put("where", VisibleText.of(options.where()))
                .put("host", VisibleText.of(mesh.host()))
                .put("send_as", options.sendAs().orElse(null))
                .put("items_shown", Snapshot.ITEMS);
        this.feed = new LiveFeed(mesh, json, json.writeValueAsString(facts));
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        try {
            this.http = HttpServer.create(new InetSocketAddress(loopback, options.port()), 32);
        } catch (IOException e) {
            feed.close();
            throw new IOException("cannot listen on 127.0.0.1:" + options.port() + " (" + e.getMessage()
                    + "); pick another --port, or 0 for any free one", e);
        }
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "view-http");
            t.setDaemon(true);
            return t;
        });
        http.setExecutor(threads);
        http.createContext("/", this::handle);
    }

    public static ViewServer start(Mesh mesh, Options options) throws IOException {
        ViewServer s = new ViewServer(mesh, options);
        s.http.start();
        return s;
    }

    /** The page's address, token included. */
    public URI url() {
        return URI.create(origin("127.0.0.1:" + port()) + "/" + token + "/");
    }

    /** Asks the desktop's browser to open the page, when there is one; says whether it did. */
    public boolean openInBrowser() {
        return Browser.open(url(), System.getenv());
    }

    public int port() {
        return http.getAddress().getPort();
    }

    private static String origin(String host) {
        return "http://" + host;
    }

    // ------------------------------------------------------------------ every request

    private void handle(HttpExchange ex) throws IOException {
        try {
            String host = ex.getRequestHeaders().getFirst("Host");
            String rest = host != null && ourHost(host) ? afterToken(ex.getRequestURI().getRawPath()) : null;
            if (rest == null) {
                ex.sendResponseHeaders(403, -1); // no token, a wrong one, or not our address: nothing else
                return;
            }
            Headers h = ex.getResponseHeaders();
            h.set("Content-Security-Policy", CSP);
            h.set("X-Content-Type-Options", "nosniff");
            h.set("X-Frame-Options", "DENY");
            h.set("Referrer-Policy", "no-referrer");
            h.set("Cache-Control", "no-store");
            h.set("Cross-Origin-Resource-Policy", "same-origin");
            h.set("Cross-Origin-Opener-Policy", "same-origin");
            route(ex, host, rest);
        } catch (IOException gone) {
            // the page went away mid-answer; nothing to tell anyone
        } catch (RuntimeException e) {
            System.err.println("claude-mesh view: " + ex.getRequestMethod() + " failed: " + e);
            try {
                ex.sendResponseHeaders(500, -1);
            } catch (IOException | RuntimeException alreadyAnswering) {
                // the answer had begun; closing the exchange below ends it
            }
        } finally {
            ex.close();
        }
    }

    private boolean ourHost(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("127.0.0.1:" + port()) || h.equals("localhost:" + port());
    }

    /** What follows {@code /TOKEN/} in {@code path}; null when the path does not start with the token. */
    private String afterToken(String path) {
        if (path == null || !path.startsWith("/")) {
            return null;
        }
        int end = path.indexOf('/', 1);
        String given = end < 0 ? path.substring(1) : path.substring(1, end);
        // Compared in constant time, so the time an answer takes says nothing about how much of a guess was right.
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8))) {
            return null;
        }
        return end < 0 ? "/" : path.substring(end + 1);
    }

    private void route(HttpExchange ex, String host, String rest) throws IOException {
        String method = ex.getRequestMethod();
        switch (rest) {
            case "/" -> redirect(ex, "/" + token + "/");
            case "" -> get(ex, method, () -> bytes(ex, 200, "text/html; charset=utf-8", page));
            case "app.js" -> get(ex, method, () -> bytes(ex, 200, "text/javascript; charset=utf-8", script));
            case "style.css" -> get(ex, method, () -> bytes(ex, 200, "text/css; charset=utf-8", style));
            case "api/state" -> get(ex, method, () -> state(ex));
            case "events" -> get(ex, method, () -> events(ex));
            case "api/send", "api/answer" -> {
                if (!"POST".equals(method)) {
                    notAllowed(ex, "POST");
                } else {
                    post(ex, host, rest);
                }
            }
            default -> ex.sendResponseHeaders(404, -1);
        }
    }

    @FunctionalInterface
    private interface Answer {
        void send() throws IOException;
    }

    private static void get(HttpExchange ex, String method, Answer answer) throws IOException {
        if ("GET".equals(method)) {
            answer.send();
        } else {
            notAllowed(ex, "GET");
        }
    }

    private static void notAllowed(HttpExchange ex, String allowed) throws IOException {
        ex.getResponseHeaders().set("Allow", allowed);
        ex.sendResponseHeaders(405, -1);
    }

    private static void redirect(HttpExchange ex, String to) throws IOException {
        ex.getResponseHeaders().set("Location", to);
        ex.sendResponseHeaders(302, -1);
    }

    private static void bytes(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private void jsonAnswer(HttpExchange ex, int status, JsonNode body) throws IOException {
        bytes(ex, status, "application/json; charset=utf-8", json.writeValueAsBytes(body));
    }

    private void error(HttpExchange ex, int status, String message) throws IOException {
        jsonAnswer(ex, status, json.createObjectNode().put("error", message));
    }

    // ------------------------------------------------------------------ reading

    private void state(HttpExchange ex) throws IOException {
        String body;
        try {
            body = feed.state();
        } catch (RuntimeException e) {
            error(ex, 503, "cannot read the mesh: " + VisibleText.of(String.valueOf(e.getMessage())));
            return;
        }
        bytes(ex, 200, "application/json; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private void events(HttpExchange ex) throws IOException {
        BlockingQueue<String> stream = feed.watch();
        if (stream == null) {
            error(ex, 503, "too many pages are open on this view (" + LiveFeed.MAX_WATCHERS + "); close one");
            return;
        }
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (true) {
                String frame = stream.poll(KEEPALIVE_SECONDS, TimeUnit.SECONDS);
                if (frame == LiveFeed.END) {
                    return;
                }
                // A comment line now and then, so a page that went away is noticed by the failed write.
                out.write((frame == null ? ": still here\n\n" : frame).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            feed.unwatch(stream);
        }
    }

    // ------------------------------------------------------------------ writing (--allow-send)

    private void post(HttpExchange ex, String host, String what) throws IOException {
        if (options.sendAs().isEmpty()) {
            error(ex, 403, "this view is read-only; start it with `claude-mesh view --allow-send` to send and answer from the page");
            return;
        }
        if (!fromThisPage(ex, host)) {
            error(ex, 403, "refused: a write must come from the view's own page");
            return;
        }
        String type = ex.getRequestHeaders().getFirst("Content-Type");
        if (type == null || !type.toLowerCase(Locale.ROOT).split(";", 2)[0].trim().equals("application/json")) {
            error(ex, 415, "send the request as application/json");
            return;
        }
        byte[] body = readAtMost(ex.getRequestBody(), options.maxBodyBytes());
        if (body == null) {
            error(ex, 413, "the request is over " + options.maxBodyBytes() + " bytes");
            return;
        }
        JsonNode request;
        try {
            request = json.readTree(body);
        } catch (IOException e) {
            error(ex, 400, "the request is not JSON");
            return;
        }
        String as = options.sendAs().get();
        try {
            if (what.equals("api/send")) {
                Delivery d = mesh.tell(as, field(request, "to"), field(request, "message"));
                jsonAnswer(ex, 200, json.createObjectNode().put("id", d.id()).put("status", d.status()));
            } else {
                Question q = mesh.reply(as, field(request, "question_id"), field(request, "answer"));
                jsonAnswer(ex, 200, json.createObjectNode().put("question_id", q.id()).put("status", q.status().wire()));
            }
        } catch (MeshException e) {
            error(ex, 400, VisibleText.of(e.getMessage()));
        } catch (StoreException e) {
            error(ex, 503, VisibleText.of(e.getMessage()));
        }
    }

    /**
     * Whether a write comes from the page this server served: the browser's {@code Origin} (sent with every POST
     * by current browsers), or failing that its {@code Referer}, names this server; and, where the browser says,
     * the request is same-origin. A request naming neither is refused: a person's browser always names one.
     */
    private boolean fromThisPage(HttpExchange ex, String host) {
        Headers h = ex.getRequestHeaders();
        String site = h.getFirst("Sec-Fetch-Site");
        if (site != null && !site.equals("same-origin")) {
            return false;
        }
        String self = origin(host.toLowerCase(Locale.ROOT));
        String origin = h.getFirst("Origin");
        if (origin != null) {
            return origin.toLowerCase(Locale.ROOT).equals(self);
        }
        String referer = h.getFirst("Referer");
        return referer != null && referer.startsWith(self + "/" + token + "/");
    }

    /** The field as text, refusing anything else with a message naming it. */
    private static String field(JsonNode request, String name) {
        JsonNode v = request.get(name);
        if (v == null || !v.isTextual()) {
            throw new MeshException("'" + name + "' is missing or not text");
        }
        return v.asText();
    }

    private static byte[] readAtMost(InputStream in, int max) throws IOException {
        byte[] got = in.readNBytes(max + 1);
        return got.length > max ? null : got;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = ViewServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("the view's " + name + " is missing from the jar; rebuild it");
            }
            return in.readAllBytes();
        }
    }

    @Override
    public void close() {
        feed.close();
        http.stop(1);
        threads.shutdownNow();
    }
}
