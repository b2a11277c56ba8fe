package dev.claudemesh.mcp;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOG = LoggerFactory.getLogger(RequestTap.class);
    static final String META_KEY = "claude_mesh_request_id";

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
        Scan scan = Scan.of(json, raw);
        if (scan == null) {
            // The SDK's transport stops reading for good after one line it cannot parse, which would leave
            // the session with a deaf server; a bad line is reported and dropped instead.
            if (!new String(raw, StandardCharsets.UTF_8).isBlank()) {
                LOG.warn("ignored an input line that is not JSON-RPC ({} bytes)", raw.length);
            }
            return new byte[0];
        }
        if ("notifications/initialized".equals(scan.method)) {
            onInitialized.run(); // the SDK handles the message itself; we only learn that pushing may start
        } else if ("notifications/cancelled".equals(scan.method)) {
            if (scan.cancelledId != null) {
                onCancel.accept(scan.cancelledId);
            }
        } else if ("tools/call".equals(scan.method) && scan.id != null && scan.paramsIsObject) {
            boolean spliceable = scan.paramsOpen >= 0 && (!scan.hasMeta || scan.metaOpen >= 0) && !scan.metaHasKey;
            return spliceable ? splice(raw, scan) : rewriteTree(raw);
        }
        return raw;
    }

    /**
     * The line with the request id added to {@code params._meta}, written into the bytes where the scan found
     * {@code _meta} (or {@code params}) open: no tree built and printed again for every call.
     */
    private static byte[] splice(byte[] raw, Scan scan) {
        String id = "\"" + new String(JsonStringEncoder.getInstance().quoteAsString(scan.id)) + "\"";
        String entry = "\"" + META_KEY + "\":" + id;
        int at;
        String insert;
        if (scan.hasMeta) {
            at = scan.metaOpen + 1;
            insert = entry + (scan.metaEmpty ? "" : ",");
        } else {
            at = scan.paramsOpen + 1;
            insert = "\"_meta\":{" + entry + "}" + (scan.paramsEmpty ? "" : ",");
        }
        byte[] add = insert.getBytes(StandardCharsets.UTF_8);
        boolean newline = raw.length > 0 && raw[raw.length - 1] == '\n';
        byte[] out = new byte[raw.length + add.length + (newline ? 0 : 1)];
        System.arraycopy(raw, 0, out, 0, at);
        System.arraycopy(add, 0, out, at, add.length);
        System.arraycopy(raw, at, out, at + add.length, raw.length - at);
        out[out.length - 1] = '\n';
        return out;
    }

    /** The rare case where the client sent our key itself: ours replaces it, through a tree. */
    private byte[] rewriteTree(byte[] raw) {
        try {
            JsonNode msg = json.readTree(raw);
            ObjectNode params = (ObjectNode) msg.get("params");
            JsonNode meta = params.get("_meta");
            ObjectNode m = meta instanceof ObjectNode o ? o : params.putObject("_meta");
            m.put(META_KEY, msg.get("id").asText());
            byte[] out = json.writeValueAsBytes(msg);
            byte[] withNewline = new byte[out.length + 1];
            System.arraycopy(out, 0, withNewline, 0, out.length);
            withNewline[out.length] = '\n';
            return withNewline;
        } catch (IOException | RuntimeException e) {
            return raw; // not ours to judge: the SDK reports malformed input itself
        }
    }

    /**
     * What one streaming pass over a line finds: whether it is exactly one JSON object, its method, its id (as
     * text), a cancellation's request id, and where {@code params} and {@code params._meta} open (-1: the
     * parser's offset was not at a brace, so the line is rewritten through a tree instead).
     */
    static final class Scan {
        String method;
        String id;
        String cancelledId;
        boolean paramsIsObject;
        int paramsOpen = -1;
        boolean hasMeta;
        boolean paramsEmpty;
        int metaOpen = -1;
        boolean metaEmpty;
        boolean metaHasKey;

        /** The scan of {@code raw}, or null when it is not one complete JSON object. */
        static Scan of(ObjectMapper json, byte[] raw) {
            Scan s = new Scan();
            try (JsonParser p = json.getFactory().createParser(raw)) {
                if (p.nextToken() != JsonToken.START_OBJECT) {
                    return null;
                }
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (field) {
                        case "method" -> s.method = value == JsonToken.VALUE_STRING ? p.getText() : null;
                        case "id" -> s.id = value.isScalarValue() ? (value == JsonToken.VALUE_NULL ? "null" : p.getText()) : "";
                        case "params" -> {
                            if (value == JsonToken.START_OBJECT) {
                                s.params(p, raw);
                                continue;
                            }
                        }
                        default -> {
                        }
                    }
                    p.skipChildren();
                }
                if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
                    return null;
                }
                return s;
            } catch (IOException e) {
                return null;
            }
        }

        /** Reads the params object the parser is at, to its end. */
        private void params(JsonParser p, byte[] raw) throws IOException {
            paramsIsObject = true;
            paramsOpen = openingBrace(p, raw);
            JsonToken t = p.nextToken();
            paramsEmpty = t == JsonToken.END_OBJECT;
            for (; t == JsonToken.FIELD_NAME; t = p.nextToken()) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("_meta") && value == JsonToken.START_OBJECT) {
                    hasMeta = true;
                    metaOpen = openingBrace(p, raw);
                    JsonToken m = p.nextToken();
                    metaEmpty = m == JsonToken.END_OBJECT;
                    for (; m == JsonToken.FIELD_NAME; m = p.nextToken()) {
                        metaHasKey |= META_KEY.equals(p.currentName());
                        p.nextToken();
                        p.skipChildren();
                    }
                } else if (field.equals("requestId") && value.isScalarValue() && value != JsonToken.VALUE_NULL) {
                    cancelledId = p.getText();
                } else {
                    p.skipChildren();
                }
            }
        }

        /** Where the object the parser is at opens; -1 (nothing spliced) should the offset not be that brace. */
        private static int openingBrace(JsonParser p, byte[] raw) {
            long at = p.currentTokenLocation().getByteOffset();
            return at >= 0 && at < raw.length && raw[(int) at] == '{' ? (int) at : -1;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
