package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The server's stdout: one JSON-RPC message per line, each written whole under one lock and flushed, so
 * responses, progress and channel notifications from many threads take turns and never interleave.
 */
final class RpcOut {
    /** JSON-RPC 2.0's codes for what the server refuses before any method runs. */
    static final int PARSE_ERROR = -32700;
    static final int INVALID_REQUEST = -32600;

    private final OutputStream out;
    private final Object lock = new Object();

    RpcOut(OutputStream out) {
        this.out = out;
    }

    /** Writes one message; {@code message} holds no line end of its own (JSON escapes them). */
    void line(byte[] message) {
        // One write per message: stdout is unbuffered, and the line's end sent on its own would cost a second
        // system call here and a second wake-up of the client reading it.
        byte[] line = Arrays.copyOf(message, message.length + 1);
        line[message.length] = '\n';
        synchronized (lock) {
            try {
                out.write(line);
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** The error response JSON-RPC prescribes; {@code id} null when the request's id could not be read. */
    byte[] error(JsonNode id, int code, String message) {
        return bytes(errorNode(id, code, message));
    }

    ObjectNode errorNode(JsonNode id, int code, String message) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("jsonrpc", "2.0");
        r.set("id", id == null ? NullNode.getInstance() : id);
        r.putObject("error").put("code", code).put("message", message);
        return r;
    }

    /** A successful response with {@code result}. */
    byte[] result(JsonNode id, JsonNode result) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("jsonrpc", "2.0");
        r.set("id", id);
        r.set("result", result);
        return bytes(r);
    }

    /** A successful response whose result is {@code result} as the SDK's mapper writes it. */
    byte[] resultOf(JsonNode id, Object result) {
        java.util.Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("jsonrpc", "2.0");
        r.put("id", id);
        r.put("result", result);
        return LeanJson.bytesOrJackson(r);
    }

    byte[] bytes(JsonNode message) {
        return LeanJson.bytesOrJackson(message);
    }
}
