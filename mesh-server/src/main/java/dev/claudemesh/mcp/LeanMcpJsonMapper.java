package dev.claudemesh.mcp;

import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.json.TypeRef;
import io.modelcontextprotocol.json.jackson2.JacksonMcpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.Implementation;
import io.modelcontextprotocol.spec.McpSchema.InitializeRequest;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCNotification;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCRequest;
import io.modelcontextprotocol.spec.McpSchema.JSONRPCResponse;

import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SDK's JSON mapper for the server: the shapes an idle session exchanges go through {@link LeanJson}
 * (streaming Jackson core, no databind), everything else through the SDK's Jackson mapper, made the first time
 * something needs it. Conversions done here take only input whose every field has the type the SDK's record
 * declares; anything else (a string where a boolean belongs, a missing required field) goes to Jackson, so its
 * coercions and its errors stay exactly as they were.
 */
final class LeanMcpJsonMapper implements McpJsonMapper {
    private volatile McpJsonMapper jackson;

    private McpJsonMapper jackson() {
        McpJsonMapper j = jackson;
        if (j == null) {
            synchronized (this) {
                if (jackson == null) {
                    jackson = new JacksonMcpJsonMapper(LeanJson.jackson());
                }
                j = jackson;
            }
        }
        return j;
    }

    @Override
    public <T> T readValue(String content, Class<T> type) throws IOException {
        return plainMap(type) ? type.cast(asMap(LeanJson.parse(content), type)) : jackson().readValue(content, type);
    }

    @Override
    public <T> T readValue(byte[] content, Class<T> type) throws IOException {
        return plainMap(type) ? type.cast(asMap(LeanJson.parse(content), type)) : jackson().readValue(content, type);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T readValue(String content, TypeRef<T> type) throws IOException {
        Class<?> raw = raw(type.getType());
        return plainMap(raw) ? (T) asMap(LeanJson.parse(content), raw) : jackson().readValue(content, type);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T readValue(byte[] content, TypeRef<T> type) throws IOException {
        Class<?> raw = raw(type.getType());
        return plainMap(raw) ? (T) asMap(LeanJson.parse(content), raw) : jackson().readValue(content, type);
    }

    @Override
    public <T> T convertValue(Object fromValue, Class<T> type) {
        Object v = convert(fromValue, type);
        return v != null ? type.cast(v) : jackson().convertValue(fromValue, type);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T convertValue(Object fromValue, TypeRef<T> type) {
        Type t = type.getType();
        Object v = t instanceof Class<?> c ? convert(fromValue, c) : null;
        return v != null ? (T) v : jackson().convertValue(fromValue, type);
    }

    @Override
    public String writeValueAsString(Object value) throws IOException {
        String s = LeanJson.string(value);
        return s != null ? s : jackson().writeValueAsString(value);
    }

    @Override
    public byte[] writeValueAsBytes(Object value) throws IOException {
        byte[] b = LeanJson.bytes(value);
        return b != null ? b : jackson().writeValueAsBytes(value);
    }

    private static Class<?> raw(Type t) {
        if (t instanceof Class<?> c) {
            return c;
        }
        return t instanceof ParameterizedType p && p.getRawType() instanceof Class<?> c ? c : null;
    }

    /** Map and Object: what Jackson reads into maps, lists and plain values (a top-level HashMap as asked). */
    private static boolean plainMap(Class<?> type) {
        return type == Map.class || type == HashMap.class || type == LinkedHashMap.class || type == Object.class;
    }

    private static Object asMap(Object parsed, Class<?> type) throws IOException {
        if (type == Object.class) {
            return parsed;
        }
        if (!(parsed instanceof Map<?, ?> m)) {
            throw new IOException("expected a JSON object for " + type.getSimpleName());
        }
        return type == HashMap.class ? new HashMap<>(m) : m;
    }

    /** {@code from} as {@code type} when it is one of the shapes done here and fits exactly; else null. */
    static Object convert(Object from, Class<?> type) {
        if (!(from instanceof Map<?, ?> m) || !keysAreStrings(m)) {
            return null;
        }
        // Only what the records' own checks accept: the rest gets Jackson's coercions, defaults and errors.
        if (type == JSONRPCRequest.class) {
            return version(m) && present(m, "method") && id(m.get("id"))
                    ? new JSONRPCRequest((String) m.get("jsonrpc"), (String) m.get("method"), m.get("id"), m.get("params"))
                    : null;
        }
        if (type == JSONRPCNotification.class) {
            return version(m) && present(m, "method")
                    ? new JSONRPCNotification((String) m.get("jsonrpc"), (String) m.get("method"), m.get("params"))
                    : null;
        }
        if (type == JSONRPCResponse.class) {
            return response(m);
        }
        if (type == InitializeRequest.class) {
            return initialize(m);
        }
        if (type == CallToolRequest.class) {
            return present(m, "name") && object(m, "arguments") && object(m, "_meta")
                    ? new CallToolRequest((String) m.get("name"), map(m.get("arguments")), map(m.get("_meta")))
                    : null;
        }
        return null;
    }

    private static JSONRPCResponse response(Map<?, ?> m) {
        if (!version(m) || !id(m.get("id")) || (m.get("result") == null) == (m.get("error") == null)) {
            return null;
        }
        JSONRPCResponse.JSONRPCError error = null;
        Object e = m.get("error");
        if (e != null) {
            if (!(e instanceof Map<?, ?> em) || !(em.get("code") instanceof Integer) || !present(em, "message")) {
                return null;
            }
            error = new JSONRPCResponse.JSONRPCError((Integer) em.get("code"), (String) em.get("message"), em.get("data"));
        }
        return new JSONRPCResponse((String) m.get("jsonrpc"), m.get("id"), m.get("result"), error);
    }

    private static InitializeRequest initialize(Map<?, ?> m) {
        // The SDK's own constructor refuses a request without these three; Jackson's path says so in its words.
        if (!(m.get("protocolVersion") instanceof String version) || !(m.get("capabilities") instanceof Map<?, ?> caps)
                || !(m.get("clientInfo") instanceof Map<?, ?> info) || !object(m, "_meta")) {
            return null;
        }
        ClientCapabilities capabilities = capabilities(caps);
        Implementation client = implementation(info);
        return capabilities == null || client == null ? null
                : new InitializeRequest(version, capabilities, client, map(m.get("_meta")));
    }

    private static ClientCapabilities capabilities(Map<?, ?> c) {
        if (!keysAreStrings(c) || !object(c, "experimental") || !object(c, "roots") || !object(c, "sampling")
                || !object(c, "elicitation") || !object(c, "extensions")) {
            return null;
        }
        ClientCapabilities.RootCapabilities roots = null;
        if (c.get("roots") instanceof Map<?, ?> r) {
            if (!bool(r, "listChanged")) {
                return null;
            }
            roots = new ClientCapabilities.RootCapabilities((Boolean) r.get("listChanged"));
        }
        ClientCapabilities.Sampling sampling = c.get("sampling") != null ? new ClientCapabilities.Sampling() : null;
        ClientCapabilities.Elicitation elicitation = null;
        if (c.get("elicitation") instanceof Map<?, ?> e) {
            if (!object(e, "form") || !object(e, "url")) {
                return null;
            }
            elicitation = new ClientCapabilities.Elicitation(e.get("form") != null ? new ClientCapabilities.Elicitation.Form() : null,
                    e.get("url") != null ? new ClientCapabilities.Elicitation.Url() : null);
        }
        Map<String, Map<String, Object>> extensions = null;
        if (c.get("extensions") instanceof Map<?, ?> x) {
            extensions = new LinkedHashMap<>();
            for (Map.Entry<?, ?> entry : x.entrySet()) {
                if (!(entry.getValue() == null || entry.getValue() instanceof Map<?, ?> v && keysAreStrings(v))) {
                    return null;
                }
                extensions.put((String) entry.getKey(), map(entry.getValue()));
            }
        }
        return new ClientCapabilities(map(c.get("experimental")), roots, sampling, elicitation, extensions);
    }

    private static Implementation implementation(Map<?, ?> i) {
        if (!keysAreStrings(i) || !present(i, "name") || !string(i, "title") || !present(i, "version")
                || !string(i, "description") || !string(i, "websiteUrl") || i.get("icons") != null) {
            return null; // icons: Jackson's to read
        }
        return new Implementation((String) i.get("name"), (String) i.get("title"), (String) i.get("version"),
                (String) i.get("description"), null, (String) i.get("websiteUrl"));
    }

    /** A string (not absent, not null). */
    private static boolean present(Map<?, ?> m, String key) {
        return m.get(key) instanceof String;
    }

    /** A jsonrpc member the SDK's records take: a string with text. */
    private static boolean version(Map<?, ?> m) {
        return m.get("jsonrpc") instanceof String v && !v.isBlank();
    }

    /** Absent, null, or a string. */
    private static boolean string(Map<?, ?> m, String key) {
        Object v = m.get(key);
        return v == null || v instanceof String;
    }

    private static boolean bool(Map<?, ?> m, String key) {
        Object v = m.get(key);
        return v == null || v instanceof Boolean;
    }

    /** Absent, null, or an object with string keys. */
    private static boolean object(Map<?, ?> m, String key) {
        Object v = m.get(key);
        return v == null || v instanceof Map<?, ?> o && keysAreStrings(o);
    }

    /** A JSON-RPC id the SDK's records take: a string or an integer that fits a long. */
    private static boolean id(Object v) {
        return v instanceof String || v instanceof Integer || v instanceof Long;
    }

    private static boolean keysAreStrings(Map<?, ?> m) {
        for (Object k : m.keySet()) {
            if (!(k instanceof String)) {
                return false;
            }
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object v) {
        return (Map<String, Object>) v;
    }
}
