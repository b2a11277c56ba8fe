package dev.claudemesh.hook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The JSON object Claude Code writes on a hook's stdin. Only top-level scalar fields are kept; nested values
 * are skipped. Read with Jackson's streaming parser: no data binding, no reflection, nothing slow to load.
 * Reading the bytes and parsing them are separate steps, because a hook whose session's server answers for
 * it hands the bytes over unparsed (see {@link HookSocket}).
 */
public final class HookInput {
    /** Claude Code's hook input is a few kilobytes; anything far larger is not from Claude Code. */
    public static final int MAX_BYTES = 1 << 20;

    /** Made on first parse, so a hook that only passes its input on never loads the parser. */
    private static final class Json {
        static final JsonFactory FACTORY = new JsonFactory();
    }

    private final Map<String, Object> fields;

    private HookInput(Map<String, Object> fields) {
        this.fields = fields;
    }

    /** Reads stdin whole, refusing nothing at all and anything far too large to come from Claude Code. */
    public static byte[] readBytes(InputStream in) throws HookException {
        byte[] data = readLimited(in);
        if (isBlank(data)) {
            throw new HookException("no hook input on stdin (expected Claude Code's JSON object)");
        }
        return data;
    }

    /** Parses input read by {@link #readBytes}. */
    public static HookInput parse(byte[] data) throws HookException {
        if (isBlank(data)) {
            throw new HookException("no hook input on stdin (expected Claude Code's JSON object)");
        }
        Map<String, Object> fields = new HashMap<>();
        try (JsonParser p = Json.FACTORY.createParser(data)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new HookException("hook input is not a JSON object");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (v) {
                    case VALUE_STRING -> fields.put(name, p.getText());
                    case VALUE_TRUE -> fields.put(name, Boolean.TRUE);
                    case VALUE_FALSE -> fields.put(name, Boolean.FALSE);
                    case START_OBJECT, START_ARRAY -> p.skipChildren();
                    default -> fields.put(name, p.getText());
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new HookException("hook input is not a complete JSON object");
            }
        } catch (JsonProcessingException e) {
            throw new HookException("hook input is not valid JSON (" + e.getOriginalMessage().lines().findFirst().orElse("") + ")");
        } catch (IOException e) {
            throw new HookException("cannot read hook input: " + e.getMessage());
        }
        return new HookInput(fields);
    }

    /**
     * The same fields handed over as arguments of a tool call (an {@code mcp_tool} hook's {@code input}, whose
     * {@code ${...}} interpolations are all strings): strings and booleans are kept, anything else is dropped.
     */
    public static HookInput of(Map<String, ?> arguments) {
        Map<String, Object> fields = new HashMap<>();
        arguments.forEach((name, value) -> {
            if (value instanceof String || value instanceof Boolean) {
                fields.put(name, value);
            }
        });
        return new HookInput(fields);
    }

    private static boolean isBlank(byte[] data) {
        for (byte b : data) {
            if (!Character.isWhitespace(b)) {
                return false;
            }
        }
        return true;
    }

    private static byte[] readLimited(InputStream in) throws HookException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                if (out.size() > MAX_BYTES) {
                    throw new HookException("hook input is over " + (MAX_BYTES >> 20) + " MB; ignored");
                }
            }
        } catch (IOException e) {
            throw new HookException("cannot read hook input: " + e.getMessage());
        }
        return out.toByteArray();
    }

    public Optional<String> string(String name) {
        Object v = fields.get(name);
        return v instanceof String s && !s.isBlank() ? Optional.of(s) : Optional.empty();
    }

    public boolean flag(String name) {
        Object v = fields.get(name);
        return Boolean.TRUE.equals(v) || "true".equals(v);
    }

    public String event() {
        return string("hook_event_name").orElse("");
    }
}
