package dev.claudemesh.mcp;

import io.modelcontextprotocol.json.schema.JsonSchemaValidator;
import io.modelcontextprotocol.json.schema.jackson2.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.spec.McpSchema.Tool;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The server's JSON Schema checks, as the SDK would make them, minus what costs on every call and buys nothing.
 *
 * <p>Arguments: checked against the tool's input schema on every call. Our input schemas use a handful of
 * keywords (an object of typed properties, required, no others allowed, enum, minimum, maximum, array items),
 * and {@link #problem} checks exactly those on the arguments as they are: no tree built, nothing printed, and
 * an error that names the argument and what it must be. A schema with any other keyword goes to the SDK's
 * validator. ToolSchemasTest holds both to the same verdicts on every tool's schema.
 *
 * <p>Results: the SDK would also check every structuredContent we return against our own output schema:
 * turn it into a tree, validate it, then print it to a string it throws away. That is a check of our code,
 * not of anything a caller sent, and it was a fifth of a server's CPU under load (JFR, bench throughput). So
 * it is not made here; it is made by clients, where it belongs: the test suite's MCP clients validate every
 * result they receive against the advertised output schema ({@code enableCallToolSchemaCaching}), so a
 * result that drifts from its schema fails the tests that produce it.
 */
final class ToolSchemas implements JsonSchemaValidator {
    /** The keywords {@link #problem} understands; a schema using any other is left to the SDK's validator. */
    private static final Set<String> KNOWN = Set.of("type", "properties", "required", "additionalProperties", "enum",
            "minimum", "maximum", "items", "description", "title", "default");

    private final Set<Map<String, Object>> outputSchemas = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Map<String, Object>> simpleInputs = Collections.newSetFromMap(new IdentityHashMap<>());
    /**
     * The SDK's validator, made the first time a schema needs it: none of ours does, and it brings about 220
     * classes of its JSON Schema library, which every session's server would otherwise load and keep.
     */
    private volatile DefaultJsonSchemaValidator sdk;

    ToolSchemas(List<Tool> tools) {
        for (Tool t : tools) {
            if (t.outputSchema() != null) {
                outputSchemas.add(t.outputSchema());
            }
            if (t.inputSchema() != null && simple(t.inputSchema())) {
                simpleInputs.add(t.inputSchema());
            }
        }
    }

    @Override
    public ValidationResponse validate(Map<String, Object> schema, Object content) {
        if (outputSchemas.contains(schema)) {
            return ValidationResponse.asValid(null); // the SDK uses only valid() (see above)
        }
        if (simpleInputs.contains(schema)) {
            String problem = problem(schema, content, null);
            return problem == null ? ValidationResponse.asValid(null) : ValidationResponse.asInvalid(problem);
        }
        return sdk().validate(schema, content);
    }

    /** The SDK's verdict, for comparison in tests. */
    ValidationResponse validateAsTheSdkWould(Map<String, Object> schema, Object content) {
        return sdk().validate(schema, content);
    }

    private DefaultJsonSchemaValidator sdk() {
        DefaultJsonSchemaValidator v = sdk;
        if (v == null) {
            synchronized (this) {
                v = sdk;
                if (v == null) {
                    sdk = v = new DefaultJsonSchemaValidator(LeanJson.jackson());
                }
            }
        }
        return v;
    }

    /** Whether every keyword in {@code schema}, at every depth, is one {@link #problem} checks. */
    @SuppressWarnings("unchecked")
    static boolean simple(Map<String, Object> schema) {
        for (Map.Entry<String, Object> e : schema.entrySet()) {
            if (!KNOWN.contains(e.getKey())) {
                return false;
            }
        }
        Object type = schema.get("type");
        if (type != null && !(type instanceof String)) {
            return false; // a list of types
        }
        Object extra = schema.get("additionalProperties");
        if (extra != null && !Boolean.FALSE.equals(extra) && !Boolean.TRUE.equals(extra)) {
            return false; // a schema for the others
        }
        if (schema.get("properties") instanceof Map<?, ?> props) {
            for (Object p : props.values()) {
                if (!(p instanceof Map<?, ?> m) || !simple((Map<String, Object>) m)) {
                    return false;
                }
            }
        } else if (schema.containsKey("properties")) {
            return false;
        }
        if (schema.containsKey("items")) {
            return schema.get("items") instanceof Map<?, ?> m && simple((Map<String, Object>) m);
        }
        return true;
    }

    /**
     * What is wrong with {@code value} for {@code schema} (one of the {@link #simple} ones), or null when
     * nothing is. {@code name} is the argument's name, null for the arguments object itself.
     */
    @SuppressWarnings("unchecked")
    static String problem(Map<String, Object> schema, Object value, String name) {
        String what = name == null ? "the arguments" : "argument '" + name + "'";
        String type = (String) schema.get("type");
        if (type != null) {
            String wrong = switch (type) {
                case "object" -> value instanceof Map ? null : "must be an object";
                case "string" -> value instanceof String ? null : "must be a string";
                case "boolean" -> value instanceof Boolean ? null : "must be true or false";
                case "number" -> value instanceof Number ? null : "must be a number";
                case "integer" -> isWhole(value) ? null : "must be a whole number";
                case "array" -> value instanceof List ? null : "must be an array";
                case "null" -> value == null ? null : "must be null";
                default -> null;
            };
            if (wrong != null) {
                return what + " " + wrong + ", got " + shown(value);
            }
        }
        if (schema.get("enum") instanceof List<?> allowed && !allowed.contains(value)) {
            return what + " must be one of " + allowed + ", got " + shown(value);
        }
        if (value instanceof Number n) {
            if (schema.get("minimum") instanceof Number min && n.doubleValue() < min.doubleValue()) {
                return what + " must be at least " + min + ", got " + n;
            }
            if (schema.get("maximum") instanceof Number max && n.doubleValue() > max.doubleValue()) {
                return what + " must be at most " + max + ", got " + n;
            }
        }
        if (value instanceof List<?> list && schema.get("items") instanceof Map<?, ?> items) {
            for (int i = 0; i < list.size(); i++) {
                String p = problem((Map<String, Object>) items, list.get(i), (name == null ? "" : name) + "[" + i + "]");
                if (p != null) {
                    return p;
                }
            }
        }
        if (value instanceof Map<?, ?> object) {
            Map<String, Object> props = schema.get("properties") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
            if (schema.get("required") instanceof List<?> required) {
                for (Object r : required) {
                    if (!object.containsKey(r)) {
                        return "missing required argument '" + r + "'";
                    }
                }
            }
            for (Map.Entry<?, ?> e : object.entrySet()) {
                String key = String.valueOf(e.getKey());
                Object propSchema = props.get(key);
                if (propSchema == null) {
                    if (Boolean.FALSE.equals(schema.get("additionalProperties"))) {
                        return "unknown argument '" + key + "'; this tool takes " + (props.isEmpty() ? "none" : String.join(", ", props.keySet()));
                    }
                    continue;
                }
                String p = problem((Map<String, Object>) propSchema, e.getValue(), name == null ? key : name + "." + key);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    private static boolean isWhole(Object v) {
        if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
                || v instanceof java.math.BigInteger) {
            return true;
        }
        return (v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal)
                && ((Number) v).doubleValue() == Math.rint(((Number) v).doubleValue())
                && !Double.isInfinite(((Number) v).doubleValue());
    }

    private static String shown(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return s.length() > 40 ? "a string" : "\"" + s + "\"";
        }
        if (v instanceof Map) {
            return "an object";
        }
        if (v instanceof List) {
            return "an array";
        }
        return String.valueOf(v);
    }
}
