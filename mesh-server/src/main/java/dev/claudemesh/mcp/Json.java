package dev.claudemesh.mcp;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for JSON schemas and results, so each tool reads as its shape and nothing else. */
final class Json {
    private Json() {
    }

    /** An ordered map from alternating keys and values; null values are left out. */
    static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            if (kv[i + 1] != null) {
                m.put((String) kv[i], kv[i + 1]);
            }
        }
        return m;
    }

    static Map<String, Object> string(String description) {
        return obj("type", "string", "description", description);
    }

    static Map<String, Object> schema(Map<String, Object> properties, List<String> required) {
        return obj("type", "object", "properties", properties, "required", required, "additionalProperties", false);
    }

    static Map<String, Object> outSchema(Map<String, Object> properties, List<String> required) {
        return obj("type", "object", "properties", properties, "required", required);
    }
}
