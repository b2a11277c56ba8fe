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
            return new Scan(from, seen, enqueued, -1, -1);
        }
        Path file = Path.of(path);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            return new Scan(from, seen, enqueued, -1, -1);
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
            long lastAnswerAt = -1;
            for (int i = 0; i < n; i++) {
                if (bytes[i] == '\n') {
                    String line = new String(bytes, lineStart, i - lineStart, StandardCharsets.UTF_8);
                    if (line(line, ids, seen, enqueued)) {
                        lastAnswer = start + lineStart;
                        long at = answeredAt(line);
                        lastAnswerAt = at < 0 ? -1 : Math.max(lastAnswerAt, at);
                    }
                    lineStart = i + 1;
                }
            }
            return new Scan(start + lineStart, seen, enqueued, lastAnswer, lastAnswerAt);
        } catch (IOException e) {
            return new Scan(from, seen, enqueued, -1, -1); // unreadable for now: no proof either way
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

    /** The top-level {@code timestamp} of an answer's line, in epoch milliseconds; -1 when it has none. */
    static long answeredAt(String line) {
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return -1;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("timestamp".equals(field) && value == JsonToken.VALUE_STRING) {
                    return epochMillis(p.getText());
                }
                p.skipChildren();
            }
        } catch (IOException malformed) {
            return -1;
        }
        return -1;
    }

    /**
     * {@code 2026-12-01T23:15:44.905Z} (UTC, as Claude Code writes it) in epoch milliseconds, -1 for any other
     * shape. By hand rather than java.time's parser: every hook passes here, and that parser loads hundreds of
     * classes.
     */
    static long epochMillis(String t) {
        if (t.length() < 20 || t.charAt(4) != '-' || t.charAt(7) != '-' || t.charAt(10) != 'T' || t.charAt(13) != ':'
                || t.charAt(16) != ':' || t.charAt(t.length() - 1) != 'Z') {
            return -1;
        }
        int y = digits(t, 0, 4), mo = digits(t, 5, 2), d = digits(t, 8, 2);
        int h = digits(t, 11, 2), mi = digits(t, 14, 2), s = digits(t, 17, 2);
        int ms = 0;
        if (t.length() > 20) {
            if (t.charAt(19) != '.') {
                return -1;
            }
            String frac = (t.substring(20, t.length() - 1) + "000").substring(0, 3);
            ms = digits(frac, 0, 3);
        }
        if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 || ms < 0) {
            return -1;
        }
        // Days since 1970-01-01 of a proleptic Gregorian date: years counted from March, so February is last.
        int yy = mo <= 2 ? y - 1 : y;
        int era = Math.floorDiv(yy, 400);
        int yoe = yy - era * 400;
        int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        long days = era * 146097L + doe - 719468;
        return ((days * 24 + h) * 60 + mi) * 60_000L + s * 1000L + ms;
    }

    private static int digits(String t, int from, int count) {
        int v = 0;
        for (int i = from; i < from + count; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
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
