package dev.claudemesh.hook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.claudemesh.mesh.SeenLog;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a Claude Code session transcript ({@code ~/.claude/projects/…/SESSION.jsonl}, the hook input's
 * {@code transcript_path}) for proof that items reached the model. Claude Code appends one JSON object a line
 * as things happen (the file appears with the first prompt): hook context is recorded as an {@code attachment}
 * of type {@code hook_additional_context},
 * a channel event as a {@code user} message when it reaches the model (and, the moment Claude Code accepts it,
 * as a {@code queue-operation} {@code enqueue}), tool results as {@code user} messages. A hook's raw stdout is
 * recorded too ({@code hook_success}), even when Claude Code dropped it for the model, so that does not count.
 * The model's answers are {@code assistant} records: one after an offer means the request that carried (or
 * should have carried) it has been made.
 *
 * <p>Only complete lines are read; a line still being written is left for the next scan.
 */
public final class Transcript implements SeenLog {
    /** Item ids as the mesh makes them: a kind letter, an underscore, twelve hex digits. */
    private static final Pattern ID = Pattern.compile("\\b[a-z]_[0-9a-f]{12}\\b");
    /** Read at most this much per scan: a transcript can grow to many megabytes over a long session. */
    private static final int MAX_SCAN_BYTES = 32 << 20;
    private static final JsonFactory JSON = new JsonFactory();

    @Override
    public Scan scan(String path, long from, Collection<String> ids) {
        Set<String> seen = new HashSet<>();
        Set<String> enqueued = new HashSet<>();
        if (path == null || path.isEmpty() || ids.isEmpty()) {
            return new Scan(from, seen, enqueued, -1);
        }
        Path file = Path.of(path);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return new Scan(from, seen, enqueued, -1);
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            long size = f.length();
            long start = Math.max(0, Math.min(from, size));
            int n = (int) Math.min(size - start, MAX_SCAN_BYTES);
            byte[] bytes = new byte[n];
            f.seek(start);
            f.readFully(bytes);
            int lineStart = 0;
            long lastAnswer = -1;
            for (int i = 0; i < n; i++) {
                if (bytes[i] == '\n') {
                    String line = new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8);
                    if (line(line, ids, seen, enqueued)) {
                        lastAnswer = start + lineStart;
                    }
                    lineStart = i + 1;
                }
            }
            return new Scan(start + lineStart, seen, enqueued, lastAnswer);
        } catch (IOException e) {
            return new Scan(from, seen, enqueued, -1); // unreadable for now: no proof either way
        }
    }

    @Override
    public long end(String path) {
        try {
            Path file = Path.of(path);
            return Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS) ? Files.size(file) : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Notes what {@code line} proves; true when it is an answer of the model. */
    private static boolean line(String line, Collection<String> ids, Set<String> seen, Set<String> enqueued) {
        if (line.startsWith("{\"type\":\"assistant\"") || line.contains("\"type\":\"assistant\"") && kind(line) == Kind.ANSWER) {
            return true;
        }
        Set<String> here = null;
        Matcher m = ID.matcher(line);
        while (m.find()) {
            if (ids.contains(m.group())) {
                if (here == null) {
                    here = new HashSet<>();
                }
                here.add(m.group());
            }
        }
        if (here == null) {
            return false;
        }
        switch (kind(line)) {
            case SHOWN -> seen.addAll(here);
            case ENQUEUED -> enqueued.addAll(here);
            default -> {
            }
        }
        return false;
    }

    private enum Kind { SHOWN, ENQUEUED, ANSWER, OTHER }

    /** What a transcript line records, from its top-level {@code type} (and {@code attachment.type}, {@code operation}). */
    static Kind kind(String line) {
        String type = null;
        String attachmentType = null;
        String operation = null;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return Kind.OTHER;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("type".equals(field) && value == JsonToken.VALUE_STRING) {
                    type = p.getText();
                } else if ("operation".equals(field) && value == JsonToken.VALUE_STRING) {
                    operation = p.getText();
                } else if ("attachment".equals(field) && value == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String inner = p.currentName();
                        JsonToken v = p.nextToken();
                        if ("type".equals(inner) && v == JsonToken.VALUE_STRING) {
                            attachmentType = p.getText();
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (IOException malformed) {
            return Kind.OTHER;
        }
        if ("user".equals(type) || "attachment".equals(type) && "hook_additional_context".equals(attachmentType)) {
            return Kind.SHOWN;
        }
        if ("queue-operation".equals(type) && "enqueue".equals(operation)) {
            return Kind.ENQUEUED;
        }
        if ("assistant".equals(type)) {
            return Kind.ANSWER;
        }
        return Kind.OTHER;
    }
}
