package dev.claudemesh.mcp;

import dev.claudemesh.mesh.MeshException;

import java.util.Map;
import java.util.Optional;

/** Typed access to a tool call's arguments, with errors that name the argument and what it must be. */
final class ToolCall {
    private final Map<String, Object> args;

    ToolCall(Map<String, Object> args) {
        this.args = args == null ? Map.of() : args;
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
}
