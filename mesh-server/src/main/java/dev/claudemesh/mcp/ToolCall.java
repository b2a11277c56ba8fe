package dev.claudemesh.mcp;

import dev.claudemesh.mesh.MeshException;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;

import java.util.Map;
import java.util.Optional;

/**
 * A tool call as its handler sees it: typed access to the arguments, with errors that name the argument and
 * what it must be, and the progress token, if the client sent one.
 */
final class ToolCall {
    private final Map<String, Object> args;
    private final Object progressToken;

    ToolCall(CallToolRequest request) {
        this(request.arguments() == null ? Map.of() : request.arguments(),
                request.meta() == null ? null : request.meta().get("progressToken"));
    }

    /** A call's arguments as they came, without a progress token (a call answered past the SDK: InlineCalls). */
    static ToolCall of(Map<String, Object> arguments) {
        return new ToolCall(arguments == null ? Map.of() : arguments, null);
    }

    private ToolCall(Map<String, Object> args, Object progressToken) {
        this.args = args;
        this.progressToken = progressToken;
        String problem = unpairedSurrogate(args, null);
        if (problem != null) {
            throw new MeshException(problem);
        }
    }

    /**
     * A JSON string may carry half of a UTF-16 surrogate pair ({@code "\ud800"}), which is no character at all:
     * stored, it would come back as '?'. Such an argument is refused, naming it, instead.
     */
    private static String unpairedSurrogate(Object value, String name) {
        if (value instanceof String s) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    return "argument '" + name + "' contains an unpaired UTF-16 surrogate (\\u"
                            + String.format("%04X", (int) c) + " at character " + i + "), which is not text; send the "
                            + "character it belongs to whole (both halves of the pair, or as UTF-8), or leave it out.";
                }
            }
        } else if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String key = name == null ? String.valueOf(e.getKey()) : name + "." + e.getKey();
                String p = unpairedSurrogate(e.getValue(), key);
                if (p != null) {
                    return p;
                }
            }
        } else if (value instanceof java.util.List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                String p = unpairedSurrogate(l.get(i), name + "[" + i + "]");
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    Object progressToken() {
        return progressToken;
    }

    /** The argument as it came, whatever its type; null when absent. */
    Object raw(String name) {
        return args.get(name);
    }

    String requiredString(String name) {
        return optionalString(name).orElseThrow(() -> new MeshException("missing argument '" + name + "' (a string)"));
    }

    Optional<String> optionalString(String name) {
        Object v = args.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof String s)) {
            throw new MeshException("argument '" + name + "' must be a string");
        }
        return Optional.of(s);
    }

    Optional<Long> optionalInteger(String name) {
        Object v = args.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return Optional.of(n.longValue());
        }
        throw new MeshException("argument '" + name + "' must be a whole number");
    }

    Optional<Boolean> optionalBoolean(String name) {
        Object v = args.get(name);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof Boolean b)) {
            throw new MeshException("argument '" + name + "' must be true or false");
        }
        return Optional.of(b);
    }

    /** A list of strings; empty when the argument is absent. */
    java.util.List<String> stringList(String name) {
        Object v = args.get(name);
        if (v == null) {
            return java.util.List.of();
        }
        if (!(v instanceof java.util.List<?> l) || l.stream().anyMatch(x -> !(x instanceof String))) {
            throw new MeshException("argument '" + name + "' must be a list of strings, such as [\"src/api/**\"]");
        }
        return l.stream().map(String.class::cast).toList();
    }
}
