package dev.claudemesh.mcp;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Sits between stdin and the SDK's stdio transport, one JSON-RPC line at a time, for what the SDK does not
 * give us: cancellation, and the moment the client is initialized (channel pushes must wait for it). The SDK neither surfaces {@code notifications/cancelled}
 * nor tells a handler its request id. So each {@code tools/call} gets its JSON-RPC id copied into
 * {@code params._meta} (under {@link #META_KEY}), and each cancellation is reported to {@code onCancel}
 * with the id it names. Every line is passed on; lines that are neither go through byte for byte.
 */
final class RequestTap extends InputStream {
    static final String META_KEY = "claude_mesh_request_id";
    private static final byte[] TOOLS_CALL = "tools/call".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CANCELLED = "notifications/cancelled".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INITIALIZED = "notifications/initialized".getBytes(StandardCharsets.US_ASCII);

    private final InputStream in;
    private final ObjectMapper json;
    private final Consumer<String> onCancel;
    private final Runnable onInitialized;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    private byte[] pending = new byte[0];
    private int pos;
    private boolean eof;

    RequestTap(InputStream in, ObjectMapper json, Consumer<String> onCancel, Runnable onInitialized) {
        this.in = in;
        this.json = json;
        this.onCancel = onCancel;
        this.onInitialized = onInitialized;
    }

    @Override
    public int read() throws IOException {
        if (!fill()) {
            return -1;
        }
        return pending[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, pending.length - pos);
        System.arraycopy(pending, pos, b, off, n);
        pos += n;
        return n;
    }

    /** Makes sure there are bytes to hand out: the next whole line, possibly rewritten. */
    private boolean fill() throws IOException {
        while (pos >= pending.length) {
            if (eof) {
                return false;
            }
            line.reset();
            int c;
            while ((c = in.read()) != -1) {
                line.write(c);
                if (c == '\n') {
                    break;
                }
            }
            if (c == -1) {
                eof = true;
                if (line.size() == 0) {
                    return false;
                }
            }
            pending = inspect(line.toByteArray());
            pos = 0;
        }
        return true;
    }

    private byte[] inspect(byte[] raw) {
        if (!isJson(raw)) {
            // The SDK's transport stops reading for good after one line it cannot parse, which would leave
            // the session with a deaf server; a bad line is reported and dropped instead.
            if (!new String(raw, StandardCharsets.UTF_8).isBlank()) {
                System.err.println("claude-mesh-server: ignored an input line that is not JSON-RPC ("
                        + raw.length + " bytes)");
            }
            return new byte[0];
        }
        boolean call = contains(raw, TOOLS_CALL);
        boolean cancel = !call && contains(raw, CANCELLED);
        if (!call && !cancel) {
            if (contains(raw, INITIALIZED)) {
                onInitialized.run(); // the SDK handles the message itself; we only learn that pushing may start
            }
            return raw;
        }
        try {
            JsonNode msg = json.readTree(raw);
            String method = msg.path("method").asText("");
            if (cancel && method.equals("notifications/cancelled")) {
                JsonNode id = msg.path("params").path("requestId");
                if (!id.isMissingNode() && !id.isNull()) {
                    onCancel.accept(id.asText());
                }
                return raw;
            }
            if (method.equals("tools/call") && msg.has("id") && msg.path("params").isObject()) {
                ObjectNode params = (ObjectNode) msg.get("params");
                JsonNode meta = params.get("_meta");
                ObjectNode m = meta instanceof ObjectNode o ? o : params.putObject("_meta");
                m.put(META_KEY, msg.get("id").asText());
                byte[] out = json.writeValueAsBytes(msg);
                byte[] withNewline = new byte[out.length + 1];
                System.arraycopy(out, 0, withNewline, 0, out.length);
                withNewline[out.length] = '\n';
                return withNewline;
            }
        } catch (IOException | RuntimeException e) {
            // Not ours to judge: the SDK reports malformed input itself.
        }
        return raw;
    }

    /** One complete JSON object and nothing else; checked by streaming, without building a tree. */
    private boolean isJson(byte[] raw) {
        try (JsonParser p = json.getFactory().createParser(raw)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean contains(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
