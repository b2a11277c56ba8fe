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
        this.args = request.arguments() == null ? Map.of() : request.arguments();
        this.progressToken = request.meta() == null ? null : request.meta().get("progressToken");
    }

    Object progressToken() {
        return progressToken;
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
