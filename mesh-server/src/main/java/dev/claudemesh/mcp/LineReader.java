package dev.claudemesh.mcp;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Splits stdin into JSON-RPC lines without ever holding more than {@link #MAX_LINE_BYTES} of one. A longer
 * line is read to its end and dropped; what an error reply needs is kept as it streams past: its length and,
 * when the line shows one, its top-level {@code id} ({@link IdScan}). A line of any size therefore costs the
 * server a bounded amount of memory, and the next line is read as usual.
 */
final class LineReader {
    /**
     * The longest line passed on: 4 MiB. The largest legitimate request is a delegate_task with a description
     * and a context of MESH_MAX_MESSAGE_CHARS (65,536) characters each, which JSON escaping (\\uXXXX) can make
     * 6 bytes a character: about 800 KB.
     */
    static final int MAX_LINE_BYTES = 4 * 1024 * 1024;

    /** One line: its bytes (no line end), or, for a line over the limit, its length and the id it showed. */
    record Line(byte[] bytes, long length, IdScan overlong) {
        boolean tooLong() {
            return bytes == null;
        }
    }

    private final InputStream in;
    private final int max;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int end;
    private byte[] line = new byte[8 * 1024];
    private int size;

    LineReader(InputStream in) {
        this(in, MAX_LINE_BYTES);
    }

    LineReader(InputStream in, int max) {
        this.in = in;
        this.max = max;
    }

    /** The next line, or null at the end of input (a last line without its line end still counts). */
    Line next() throws IOException {
        size = 0;
        IdScan overlong = null;
        long length = 0;
        while (true) {
            if (pos == end) {
                end = in.read(buf, 0, buf.length);
                pos = 0;
                if (end <= 0) {
                    end = 0;
                    if (length == 0) {
                        return null;
                    }
                    return finish(overlong, length);
                }
            }
            int start = pos;
            int nl = -1;
            for (int i = pos; i < end; i++) {
                if (buf[i] == '\n') {
                    nl = i;
                    break;
                }
            }
            int stop = nl >= 0 ? nl : end;
            int n = stop - start;
            length += n;
            if (overlong == null && size + n > max) {
                // Past the limit: from here on only the id scanner sees the bytes.
                overlong = new IdScan();
                overlong.feed(line, 0, size);
                size = 0;
            }
            if (overlong != null) {
                overlong.feed(buf, start, n);
            } else {
                append(start, n);
            }
            pos = nl >= 0 ? nl + 1 : end;
            if (nl >= 0) {
                return finish(overlong, length);
            }
        }
    }

    private Line finish(IdScan overlong, long length) {
        if (overlong != null) {
            return new Line(null, length, overlong);
        }
        int n = size > 0 && line[size - 1] == '\r' ? size - 1 : size;
        return new Line(Arrays.copyOf(line, n), length, null);
    }

    private void append(int from, int n) {
        if (size + n > line.length) {
            line = Arrays.copyOf(line, Math.max(size + n, Math.min(max, line.length * 2)));
        }
        System.arraycopy(buf, from, line, size, n);
        size += n;
    }
}
