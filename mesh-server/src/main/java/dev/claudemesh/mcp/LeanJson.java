package dev.claudemesh.mcp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Content;
import io.modelcontextprotocol.spec.McpSchema.Implementation;
import io.modelcontextprotocol.spec.McpSchema.InitializeResult;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCNotification;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCRequest;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCResponse;
import io.modelcontextprotocol.spec.McpSchema.ListToolsResult;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON for what an idle session's server says and hears, with Jackson's streaming core alone.
 *
 * <p>Every session keeps its server for its whole life, and Jackson databind (an {@code ObjectMapper} and the
 * serializers and deserializers it builds for the SDK's types) is about 500 classes, each of which costs every
 * server memory of its own (docs/server-memory.md). What an idle server exchanges is a handful of shapes:
 * JSON-RPC envelopes, {@code initialize}, {@code tools/list}, the hooks' one-text results and channel
 * notifications of plain maps. Those are read and written here, as the SDK's Jackson mapper would (the
 * property names and the {@code NON_ABSENT} rule of the SDK's records; tests compare the two on every shape);
 * anything else goes to a Jackson mapper made the first time it is needed ({@link #jackson()}).
 */
final class LeanJson {
    static final JsonFactory FACTORY = new JsonFactory();

    private LeanJson() {
    }

    private static final class Jackson {
        static final ObjectMapper MAPPER = new ObjectMapper();
    }

    /** The full mapper, made on first use: for the shapes this class does not write or read itself. */
    static ObjectMapper jackson() {
        return Jackson.MAPPER;
    }

    /** One JSON value from the parser's current token, as Jackson reads into {@code Object}. */
    static Object read(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == null) {
            throw new IOException("no JSON value");
        }
        switch (t) {
            case START_OBJECT:
                Map<String, Object> m = new LinkedHashMap<>();
                for (JsonToken k = p.nextToken(); k == JsonToken.FIELD_NAME; k = p.nextToken()) {
                    String key = p.currentName();
                    p.nextToken();
                    m.put(key, read(p));
                }
                return m;
            case START_ARRAY:
                List<Object> l = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    l.add(read(p));
                }
                return l;
            case VALUE_STRING:
                return p.getText();
            case VALUE_NUMBER_INT:
                return p.getNumberValue(); // Integer, Long or BigInteger: the smallest that holds it
            case VALUE_NUMBER_FLOAT:
                return p.getDoubleValue();
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new IOException("unexpected JSON token " + t);
        }
    }

    /** The text's first JSON value. */
    static Object parse(byte[] json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return whole(p);
        }
    }

    static Object parse(String json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            return whole(p);
        }
    }

    private static Object whole(JsonParser p) throws IOException {
        if (p.nextToken() == null) {
            throw new IOException("no content: expected a JSON value");
        }
        return read(p); // what follows the value is not read, as with Jackson's mapper
    }

    /** {@code value} as JSON bytes, or null when it holds something only Jackson's mapper writes. */
    static byte[] bytes(Object value) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(256);
        try (JsonGenerator g = FACTORY.createGenerator(b)) {
            if (!write(g, value)) {
                return null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    /** {@code value} as JSON text (characters beyond the BMP unescaped, as Jackson's text writer leaves them). */
    static String string(Object value) {
        java.io.StringWriter w = new java.io.StringWriter(256);
        try (JsonGenerator g = FACTORY.createGenerator(w)) {
            if (!write(g, value)) {
                return null;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }

    /** {@code value} as JSON bytes, through Jackson's mapper when this class does not know its shape. */
    static byte[] bytesOrJackson(Object value) {
        byte[] b = bytes(value);
        if (b != null) {
            return b;
        }
        try {
            return jackson().writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code v}; false (and the generator's output is to be thrown away) when it holds a type this class
     * does not write.
     */
    static boolean write(JsonGenerator g, Object v) throws IOException {
        if (v == null) {
            g.writeNull();
        } else if (v instanceof String s) {
            g.writeString(s);
        } else if (v instanceof Boolean b) {
            g.writeBoolean(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            g.writeNumber(((Number) v).longValue());
        } else if (v instanceof Double d) {
            g.writeNumber(d);
        } else if (v instanceof Float f) {
            g.writeNumber(f);
        } else if (v instanceof BigInteger i) {
            g.writeNumber(i);
        } else if (v instanceof BigDecimal d) {
            g.writeNumber(d);
        } else if (v instanceof Map<?, ?> m) {
            g.writeStartObject();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String key)) {
                    return false;
                }
                g.writeFieldName(key);
                if (!write(g, e.getValue())) {
                    return false;
                }
            }
            g.writeEndObject();
        } else if (v instanceof List<?> l) {
            g.writeStartArray();
            for (Object e : l) {
                if (!write(g, e)) {
                    return false;
                }
            }
            g.writeEndArray();
        } else if (v instanceof JsonNode n) {
            return node(g, n);
        } else {
            return record(g, v);
        }
        return true;
    }

    /** The SDK's records an idle server sends, with their JSON names, nulls left out (NON_ABSENT). */
    private static boolean record(JsonGenerator g, Object v) throws IOException {
        Fields f = new Fields(g);
        if (v instanceof JSONRPCResponse r) {
            f.open().put("jsonrpc", r.jsonrpc()).put("id", r.id()).put("result", r.result());
            if (r.error() != null) {
                g.writeFieldName("error");
                new Fields(g).open().put("code", r.error().code()).put("message", r.error().message())
                        .put("data", r.error().data()).close();
            }
            return f.close();
        } else if (v instanceof JSONRPCNotification n) {
            return f.open().put("jsonrpc", n.jsonrpc()).put("method", n.method()).put("params", n.params()).close();
        } else if (v instanceof JSONRPCRequest r) {
            return f.open().put("jsonrpc", r.jsonrpc()).put("method", r.method()).put("id", r.id())
                    .put("params", r.params()).close();
        } else if (v instanceof InitializeResult r) {
            return f.open().put("protocolVersion", r.protocolVersion()).put("capabilities", r.capabilities())
                    .put("serverInfo", r.serverInfo()).put("instructions", r.instructions()).put("_meta", r.meta())
                    .close();
        } else if (v instanceof ServerCapabilities c) {
            f.open();
            if (c.completions() != null) {
                f.put("completions", Map.of());
            }
            f.put("experimental", c.experimental());
            if (c.logging() != null) {
                f.put("logging", Map.of());
            }
            if (c.prompts() != null) {
                f.put("prompts", one("listChanged", c.prompts().listChanged()));
            }
            if (c.resources() != null) {
                Map<String, Object> r = one("subscribe", c.resources().subscribe());
                if (c.resources().listChanged() != null) {
                    r.put("listChanged", c.resources().listChanged());
                }
                f.put("resources", r);
            }
            if (c.tools() != null) {
                f.put("tools", one("listChanged", c.tools().listChanged()));
            }
            return f.put("extensions", c.extensions()).close();
        } else if (v instanceof Implementation i) {
            if (i.icons() != null) {
                return false;
            }
            return f.open().put("name", i.name()).put("title", i.title()).put("version", i.version())
                    .put("description", i.description()).put("websiteUrl", i.websiteUrl()).close();
        } else if (v instanceof ListToolsResult r) {
            return f.open().put("tools", r.tools()).put("nextCursor", r.nextCursor()).put("_meta", r.meta()).close();
        } else if (v instanceof Tool t) {
            if (t.icons() != null) {
                return false;
            }
            return f.open().put("name", t.name()).put("title", t.title()).put("description", t.description())
                    .put("inputSchema", t.inputSchema()).put("outputSchema", t.outputSchema())
                    .put("annotations", t.annotations()).put("_meta", t.meta()).close();
        } else if (v instanceof ToolAnnotations a) {
            return f.open().put("title", a.title()).put("readOnlyHint", a.readOnlyHint())
                    .put("destructiveHint", a.destructiveHint()).put("idempotentHint", a.idempotentHint())
                    .put("openWorldHint", a.openWorldHint()).put("returnDirect", a.returnDirect()).close();
        } else if (v instanceof CallToolResult r) {
            if (r.content() != null) {
                for (Content c : r.content()) {
                    if (!(c instanceof TextContent t) || t.annotations() != null) {
                        return false;
                    }
                }
            }
            return f.open().put("content", r.content()).put("isError", r.isError())
                    .put("structuredContent", r.structuredContent()).put("_meta", r.meta()).close();
        } else if (v instanceof TextContent t) {
            return f.open().put("type", "text").put("text", t.text()).put("_meta", t.meta()).close();
        }
        return false;
    }

    private static Map<String, Object> one(String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (value != null) {
            m.put(key, value);
        }
        return m;
    }

    /** An object's fields in order, each left out when null; remembers whether every value could be written. */
    private static final class Fields {
        private final JsonGenerator g;
        private boolean ok = true;

        Fields(JsonGenerator g) {
            this.g = g;
        }

        Fields open() throws IOException {
            g.writeStartObject();
            return this;
        }

        Fields put(String name, Object value) throws IOException {
            if (ok && value != null) {
                g.writeFieldName(name);
                ok = write(g, value);
            }
            return this;
        }

        boolean close() throws IOException {
            if (ok) {
                g.writeEndObject();
            }
            return ok;
        }
    }

    /** A tree node (ids and replies the request tap builds), as Jackson's mapper writes it. */
    private static boolean node(JsonGenerator g, JsonNode n) throws IOException {
        if (n.isObject()) {
            g.writeStartObject();
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                g.writeFieldName(e.getKey());
                if (!node(g, e.getValue())) {
                    return false;
                }
            }
            g.writeEndObject();
        } else if (n.isArray()) {
            g.writeStartArray();
            for (JsonNode e : n) {
                if (!node(g, e)) {
                    return false;
                }
            }
            g.writeEndArray();
        } else if (n.isTextual()) {
            g.writeString(n.textValue());
        } else if (n.isNumber()) {
            return write(g, n.numberValue());
        } else if (n.isBoolean()) {
            g.writeBoolean(n.booleanValue());
        } else if (n.isNull() || n.isMissingNode()) {
            g.writeNull();
        } else {
            return false; // binary or POJO nodes: never built here
        }
        return true;
    }
}
