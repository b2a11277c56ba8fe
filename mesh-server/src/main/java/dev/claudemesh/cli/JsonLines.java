package dev.claudemesh.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --json}: one JSON object per line on stdout, for scripts ({@code jq}). Peer text goes out as it was
 * written, escaped by JSON, never through {@link TerminalText}: a script gets the exact text.
 */
final class JsonLines {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonLines() {
    }

    /** An object whose fields keep the order they are put in; instants are written as ISO-8601 UTC text. */
    static Map<String, Object> object() {
        return new LinkedHashMap<>();
    }

    static void print(Map<String, Object> object) {
        Map<String, Object> out = new LinkedHashMap<>();
        object.forEach((k, v) -> out.put(k, v instanceof Instant i ? i.toString() : v));
        try {
            System.out.println(JSON.writeValueAsString(out));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
