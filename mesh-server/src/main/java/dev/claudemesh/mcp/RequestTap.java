package dev.claudemesh.mcp;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Looks at each JSON-RPC line before the SDK does, for what the SDK does not do:
 *
 * <ul>
 * <li>Refuse what is not a JSON-RPC message with the error JSON-RPC 2.0 names, so the client is not left
 *     waiting for a reply that never comes: invalid UTF-8 or JSON is a parse error (-32700); a batch (MCP has
 *     none since 2025-06-18), an id that is not a string or number, a missing or wrong {@code jsonrpc} or
 *     {@code method}, or a request before the session is initialized is an invalid request (-32600). The
 *     reply carries the request's id whenever it can be read, else {@code null}.</li>
 * <li>Answer {@code ping} before initialization (the SDK would hold it until then).</li>
 * <li>Cancellation and the moment the client is initialized (channel pushes wait for it). The SDK neither
 *     surfaces {@code notifications/cancelled} nor tells a handler its request id, so each {@code tools/call}
 *     gets its id copied into {@code params._meta} (under {@link #META_KEY}), and each cancellation is
 *     reported to {@code onCancel} with the id it names.</li>
 * <li>Answer calls of the tools {@link InlineCalls} holds (the session's hooks) here, past the SDK.</li>
 * </ul>
 * Lines that pass go to the SDK byte for byte, a tools/call with its id spliced in.
 */
final class RequestTap {
    private static final Logger LOG = LoggerFactory.getLogger(RequestTap.class);
    static final String META_KEY = "claude_mesh_request_id";

    /**
     * What to do with a line: hand {@code forward} to the SDK, or write {@code reply} and drop the line (both
     * null: nothing). {@code id} is the request's id, for a reply should the SDK refuse the line after all.
     */
    record Verdict(byte[] forward, byte[] reply, JsonNode id) {
        static final Verdict NOTHING = new Verdict(null, null, null);
    }

    private final RpcOut out;
    private final Consumer<String> onCancel;
    private final Runnable onInitialized;
    private final InlineCalls inline;
    private boolean initializeSeen;
    private boolean initialized;

    RequestTap(RpcOut out, Consumer<String> onCancel, Runnable onInitialized) {
        this(out, onCancel, onInitialized, InlineCalls.NONE);
    }

    RequestTap(RpcOut out, Consumer<String> onCancel, Runnable onInitialized, InlineCalls inline) {
        this.inline = inline;
        this.out = out;
        this.onCancel = onCancel;
        this.onInitialized = onInitialized;
    }

    /** A line over {@link LineReader#MAX_LINE_BYTES}: refused, with its id when the scan found one. */
    Verdict tooLong(LineReader.Line line) {
        JsonNode id = parseId(line.overlong().rawId());
        return refuse(id, RpcOut.INVALID_REQUEST, "Invalid Request: the message is " + line.length() + " bytes, over "
                + "this server's limit of " + LineReader.MAX_LINE_BYTES + " bytes per line; nothing was done. Send "
                + "less text (a question, answer or message is limited to MESH_MAX_MESSAGE_CHARS characters).");
    }

    Verdict inspect(byte[] raw) {
        if (blank(raw)) {
            return Verdict.NOTHING;
        }
        String badUtf8 = utf8Problem(raw);
        if (badUtf8 != null) {
            return refuse(scannedId(raw), RpcOut.PARSE_ERROR, "Parse error: the line is not valid UTF-8 (" + badUtf8
                    + "); JSON-RPC messages must be UTF-8 text.");
        }
        Scan scan = Scan.of(raw);
        if (scan == null) {
            return refuse(scannedId(raw), RpcOut.PARSE_ERROR, "Parse error: the line is not one complete JSON value.");
        }
        if (scan.batch) {
            return batch(raw);
        }
        if (!scan.object) {
            return refuse(null, RpcOut.INVALID_REQUEST, "Invalid Request: a JSON-RPC message is a JSON object.");
        }
        String problem = scan.problem();
        if (problem != null) {
            return refuse(scan.validId ? scan.idNode : null, RpcOut.INVALID_REQUEST, "Invalid Request: " + problem);
        }
        if (scan.method == null) {
            return new Verdict(raw, null, scan.idNode); // a response to a request of ours
        }
        if (scan.idNode != null && !initialized) {
            if ("ping".equals(scan.method)) {
                return new Verdict(null, out.result(scan.idNode, JsonNodeFactory.instance.objectNode()), scan.idNode);
            }
            if (!"initialize".equals(scan.method)) {
                return refuse(scan.idNode, RpcOut.INVALID_REQUEST, "Invalid Request: the session is not initialized, "
                        + "so '" + scan.method + "' cannot run yet. Send initialize, wait for its result, then send "
                        + "notifications/initialized.");
            }
            initializeSeen = true;
        }
        if ("notifications/initialized".equals(scan.method) && initializeSeen && !initialized) {
            initialized = true;
            onInitialized.run(); // the SDK handles the message itself; we only learn that pushing may start
        } else if ("notifications/cancelled".equals(scan.method)) {
            if (scan.cancelledId != null) {
                onCancel.accept(scan.cancelledId);
            }
        } else if ("tools/call".equals(scan.method) && scan.idNode != null && scan.paramsIsObject) {
            if (inline.handles(scan.toolName)) {
                Map<String, Object> args = inlineArguments(raw, scan);
                if (args != null) {
                    return new Verdict(null, inline.answer(out, scan.idNode, scan.toolName, args), scan.idNode);
                }
            }
            boolean spliceable = scan.paramsOpen >= 0 && (!scan.hasMeta || scan.metaOpen >= 0) && !scan.metaHasKey;
            return new Verdict(spliceable ? splice(raw, scan) : rewriteTree(raw), null, scan.idNode);
        }
        return new Verdict(raw, null, scan.idNode);
    }

    /**
     * The call's arguments for {@link InlineCalls}: the object the scan found, or none when absent or null (as
     * the SDK reads them); null (the SDK decides, and refuses) when they are anything else.
     */
    private Map<String, Object> inlineArguments(byte[] raw, Scan scan) {
        if (!scan.hasArguments) {
            return Map.of();
        }
        if (scan.argumentsOpen < 0 || scan.argumentsEnd <= scan.argumentsOpen) {
            return null;
        }
        try (JsonParser p = LeanJson.FACTORY.createParser(raw, scan.argumentsOpen, scan.argumentsEnd - scan.argumentsOpen)) {
            return p.nextToken() == JsonToken.START_OBJECT ? object(p) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * The object the parser is at, read to its end as the SDK's mapper would read it.
     */
    private static Map<String, Object> object(JsonParser p) throws IOException {
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        for (JsonToken t = p.nextToken(); t == JsonToken.FIELD_NAME; t = p.nextToken()) {
            String key = p.currentName();
            JsonToken v = p.nextToken();
            out.put(key, switch (v) {
                case VALUE_STRING -> p.getText();
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NULL -> null;
                case VALUE_NUMBER_INT -> p.getNumberValue();
                default -> LeanJson.read(p);
            });
        }
        return out;
    }

    private Verdict refuse(JsonNode id, int code, String message) {
        LOG.warn("refused an input line ({}): {}", code, message);
        return new Verdict(null, out.error(id, code, message), id);
    }

    /**
     * A batch: MCP dropped JSON-RPC batching (2025-06-18), so every request in it gets an invalid-request error
     * with its id, as one array, and nothing in it runs; an empty array gets one error, as JSON-RPC says.
     */
    private Verdict batch(byte[] raw) {
        String why = "Invalid Request: batches (JSON arrays) are not supported; send each message on a line of its own.";
        JsonNode all;
        try {
            all = LeanJson.jackson().readTree(raw);
        } catch (IOException e) {
            return refuse(null, RpcOut.PARSE_ERROR, "Parse error: the line is not valid JSON.");
        }
        if (all.isEmpty()) {
            return refuse(null, RpcOut.INVALID_REQUEST, why);
        }
        ArrayNode replies = JsonNodeFactory.instance.arrayNode();
        for (JsonNode m : all) {
            JsonNode id = m.get("id");
            boolean notification = m.isObject() && m.has("method") && id == null;
            if (!notification) {
                replies.add(out.errorNode(id != null && (id.isTextual() || id.isNumber()) ? id : null,
                        RpcOut.INVALID_REQUEST, why));
            }
        }
        LOG.warn("refused a batch of {} messages", all.size());
        return replies.isEmpty() ? Verdict.NOTHING : new Verdict(null, out.bytes(replies), null);
    }

    private JsonNode scannedId(byte[] raw) {
        IdScan s = new IdScan();
        s.feed(raw, 0, raw.length);
        return parseId(s.rawId());
    }

    private JsonNode parseId(String rawId) {
        if (rawId == null) {
            return null;
        }
        try (JsonParser p = LeanJson.FACTORY.createParser(rawId)) {
            return switch (p.nextToken() == null ? JsonToken.NOT_AVAILABLE : p.currentToken()) {
                case VALUE_STRING -> JsonNodeFactory.instance.textNode(p.getText());
                case VALUE_NUMBER_INT -> JsonNodeFactory.instance.numberNode(p.getBigIntegerValue());
                case VALUE_NUMBER_FLOAT -> JsonNodeFactory.instance.numberNode(p.getDecimalValue());
                default -> null;
            };
        } catch (IOException e) {
            return null; // the id's own text is broken: answer with null
        }
    }

    private static boolean blank(byte[] raw) {
        for (byte b : raw) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }

    /**
     * Where {@code raw} stops being UTF-8, or null when it is UTF-8 throughout. Strict, as RFC 3629 is: no
     * overlong forms, no encoded surrogates, nothing above U+10FFFF (Jackson would pass some of these on).
     */
    static String utf8Problem(byte[] raw) {
        int i = 0;
        while (i < raw.length) {
            int b = raw[i] & 0xff;
            int n;
            int min;
            if (b < 0x80) {
                i++;
                continue;
            } else if (b >= 0xc2 && b <= 0xdf) {
                n = 1;
                min = 0x80;
            } else if (b >= 0xe0 && b <= 0xef) {
                n = 2;
                min = 0x800;
            } else if (b >= 0xf0 && b <= 0xf4) {
                n = 3;
                min = 0x10000;
            } else {
                return String.format("byte 0x%02X at offset %d", b, i);
            }
            int cp = b & (0x3f >> n);
            for (int k = 1; k <= n; k++) {
                if (i + k >= raw.length || (raw[i + k] & 0xc0) != 0x80) {
                    return String.format("byte 0x%02X at offset %d", b, i);
                }
                cp = (cp << 6) | (raw[i + k] & 0x3f);
            }
            if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
                return String.format("byte 0x%02X at offset %d", b, i);
            }
            i += n + 1;
        }
        return null;
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
        byte[] out = new byte[raw.length + add.length];
        System.arraycopy(raw, 0, out, 0, at);
        System.arraycopy(add, 0, out, at, add.length);
        System.arraycopy(raw, at, out, at + add.length, raw.length - at);
        return out;
    }

    /** The rare case where the client sent our key itself: ours replaces it, through a tree. */
    private byte[] rewriteTree(byte[] raw) {
        try {
            JsonNode msg = LeanJson.jackson().readTree(raw);
            ObjectNode params = (ObjectNode) msg.get("params");
            JsonNode meta = params.get("_meta");
            ObjectNode m = meta instanceof ObjectNode o ? o : params.putObject("_meta");
            m.put(META_KEY, msg.get("id").asText());
            return LeanJson.jackson().writeValueAsBytes(msg);
        } catch (IOException | RuntimeException e) {
            return raw; // not ours to judge: the SDK reports malformed input itself
        }
    }

    /**
     * What one streaming pass over a line finds: whether it is one JSON object (or a batch), its jsonrpc, method
     * and id, a cancellation's request id, and where {@code params} and {@code params._meta} open (-1: the
     * parser's offset was not at a brace, so the line is rewritten through a tree instead).
     */
    static final class Scan {
        boolean object;
        boolean batch;
        String jsonrpc;
        boolean hasJsonrpc;
        String method;
        boolean methodNotString;
        /** The id as text (for _meta and cancellation), and as a node (for replies); null when absent. */
        String id;
        JsonNode idNode;
        boolean hasId;
        boolean validId;
        boolean hasResultOrError;
        String cancelledId;
        boolean paramsIsObject;
        int paramsOpen = -1;
        boolean hasMeta;
        boolean paramsEmpty;
        int metaOpen = -1;
        boolean metaEmpty;
        boolean metaHasKey;
        /** tools/call: the tool's name, and where its arguments object opens and ends (-1: not an object). */
        String toolName;
        boolean hasArguments;
        int argumentsOpen = -1;
        int argumentsEnd = -1;

        /** Why this object is not a JSON-RPC message, or null when it is one. */
        String problem() {
            if (!"2.0".equals(jsonrpc)) {
                return hasJsonrpc ? "\"jsonrpc\" must be \"2.0\"." : "\"jsonrpc\": \"2.0\" is missing.";
            }
            if (hasId && !validId) {
                return "\"id\" must be a string or a number.";
            }
            if (methodNotString) {
                return "\"method\" must be a string.";
            }
            if (method == null && !(hasId && hasResultOrError)) {
                return "the message has no \"method\" (a request or notification) and is not a response.";
            }
            return null;
        }

        /** The scan of {@code raw}, or null when it is not one complete JSON value. */
        static Scan of(byte[] raw) {
            Scan s = new Scan();
            try (JsonParser p = LeanJson.FACTORY.createParser(raw)) {
                JsonToken first = p.nextToken();
                if (first == null) {
                    return null;
                }
                if (first != JsonToken.START_OBJECT) {
                    s.batch = first == JsonToken.START_ARRAY;
                    p.skipChildren();
                    return p.nextToken() == null ? s : null;
                }
                s.object = true;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    JsonToken value = p.nextToken();
                    switch (field) {
                        case "jsonrpc" -> {
                            s.hasJsonrpc = true;
                            s.jsonrpc = value == JsonToken.VALUE_STRING ? p.getText() : null;
                        }
                        case "method" -> {
                            s.method = value == JsonToken.VALUE_STRING ? p.getText() : null;
                            s.methodNotString = value != JsonToken.VALUE_STRING;
                        }
                        case "id" -> s.id(p, value);
                        case "result", "error" -> s.hasResultOrError = true;
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

        private void id(JsonParser p, JsonToken value) throws IOException {
            hasId = true;
            switch (value) {
                case VALUE_STRING -> {
                    validId = true;
                    id = p.getText();
                    idNode = JsonNodeFactory.instance.textNode(id);
                }
                case VALUE_NUMBER_INT -> {
                    validId = true;
                    id = p.getText();
                    idNode = JsonNodeFactory.instance.numberNode(p.getBigIntegerValue());
                }
                case VALUE_NUMBER_FLOAT -> {
                    validId = true;
                    id = p.getText();
                    idNode = JsonNodeFactory.instance.numberNode(p.getDecimalValue());
                }
                default -> validId = false; // null (MCP requests may not use it), true, false, an object or an array
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
                } else if (field.equals("name") && value == JsonToken.VALUE_STRING) {
                    toolName = p.getText();
                } else if (field.equals("arguments")) {
                    hasArguments = value != JsonToken.VALUE_NULL;
                    if (value == JsonToken.START_OBJECT) {
                        // Where they are, read only for a tool InlineCalls answers (the name may come after them).
                        argumentsOpen = openingBrace(p, raw);
                        p.skipChildren();
                        long end = p.currentTokenLocation().getByteOffset();
                        argumentsEnd = end >= 0 && end < raw.length && raw[(int) end] == '}' ? (int) end + 1 : -1;
                    } else {
                        p.skipChildren();
                    }
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
}
