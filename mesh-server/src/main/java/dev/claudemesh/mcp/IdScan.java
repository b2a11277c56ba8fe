package dev.claudemesh.mcp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Finds the top-level {@code "id"} of a JSON object as its bytes stream past, in constant memory, for lines the
 * server will not parse: one over the length limit, one that is not valid UTF-8 or not valid JSON. Nested
 * values and strings are skipped by counting brackets and minding quotes and escapes; nothing is decoded. It is
 * a best effort by design: when the line does not look like an object with a scalar id, there is no id, and the
 * error reply goes out with {@code "id": null}, as JSON-RPC says.
 */
final class IdScan {
    private static final int MAX_ID_BYTES = 256;

    private int depth;
    private boolean inString;
    private boolean escaped;
    private boolean failed;
    /** At depth 1: after a key's colon, before its value ends. */
    private boolean atValue;
    /** The current top-level key, while it is read and until its value ends; only short keys are kept. */
    private final ByteArrayOutputStream key = new ByteArrayOutputStream(16);
    private boolean readingKey;
    private boolean keyIsId;
    /** The id's raw JSON text (a string with its quotes, or a number). */
    private final ByteArrayOutputStream id = new ByteArrayOutputStream(32);
    private boolean readingId;
    private boolean idDone;

    void feed(byte[] b, int off, int len) {
        for (int i = off; i < off + len && !failed; i++) {
            feed(b[i]);
        }
    }

    private void feed(byte c) {
        if (inString) {
            if (readingKey && key.size() < 8) {
                key.write(c);
            }
            if (readingId) {
                keepId(c);
            }
            if (escaped) {
                escaped = false;
            } else if (c == '\\') {
                escaped = true;
            } else if (c == '"') {
                inString = false;
                if (readingKey) {
                    readingKey = false;
                    keyIsId = key.size() == 3 && key.toString(StandardCharsets.ISO_8859_1).equals("id\"");
                } else if (readingId) {
                    readingId = false;
                    idDone = true;
                }
            }
            return;
        }
        switch (c) {
            case ' ', '\t', '\r', '\n' -> endScalar();
            case '{', '[' -> {
                if (depth == 0 && c == '[') {
                    failed = true;
                }
                if (depth == 1 && atValue && keyIsId) {
                    keyIsId = false; // an object or array as id: not one we can answer to
                }
                depth++;
            }
            case '}', ']' -> {
                endScalar();
                depth--;
                if (depth == 1) {
                    return;
                }
                if (depth <= 0) {
                    atValue = false;
                }
            }
            case '"' -> {
                inString = true;
                if (depth == 1 && !atValue) {
                    readingKey = true;
                    key.reset();
                } else if (depth == 1 && keyIsId && !idDone) {
                    readingId = true;
                    keepId(c);
                }
            }
            case ':' -> {
                if (depth == 1) {
                    atValue = true;
                }
            }
            case ',' -> {
                endScalar();
                if (depth == 1) {
                    atValue = false;
                    keyIsId = false;
                }
            }
            default -> {
                if (depth == 0) {
                    failed = true; // not an object
                } else if (depth == 1 && atValue && keyIsId && !idDone) {
                    readingId = true;
                    keepId(c);
                }
            }
        }
    }

    /** A number, true, false or null ends at whitespace, a comma or a closing bracket. */
    private void endScalar() {
        if (readingId && !inString) {
            readingId = false;
            idDone = true;
        }
    }

    private void keepId(byte c) {
        if (id.size() < MAX_ID_BYTES) {
            id.write(c);
        } else {
            idDone = true;
            readingId = false;
            id.reset(); // too long to be an id worth echoing
        }
    }

    /** The id's raw JSON text, or null when none was seen (or it was not a string or a number). */
    String rawId() {
        if (failed || !idDone || id.size() == 0) {
            return null;
        }
        String raw = id.toString(StandardCharsets.UTF_8);
        char first = raw.charAt(0);
        return first == '"' || first == '-' || (first >= '0' && first <= '9') ? raw : null;
    }
}
