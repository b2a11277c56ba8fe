package dev.claudemesh.mcp;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Lines of any length are read with bounded memory, and an over-long line still shows its id when it has one. */
class LineReaderTest {
    static List<String> lines(String input, int max) throws IOException {
        LineReader r = new LineReader(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), max);
        List<String> out = new ArrayList<>();
        LineReader.Line l;
        while ((l = r.next()) != null) {
            out.add(l.tooLong() ? "TOO LONG " + l.length() + " id=" + l.overlong().rawId()
                    : new String(l.bytes(), StandardCharsets.UTF_8));
        }
        return out;
    }

    @Test
    void linesAreSplitOnNewlinesWithCarriageReturnsDroppedAndALastLineWithoutItsEnd() throws IOException {
        assertEquals(List.of("a", "bc", "", "d"), lines("a\nbc\r\n\nd", 100));
        assertEquals(List.of(), lines("", 100));
    }

    @Test
    void aLineOverTheLimitIsReportedWithItsLengthAndIdWhereverTheIdSits() throws IOException {
        String big = "x".repeat(500);
        List<String> out = lines("{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"arguments\":{\"text\":\"" + big
                + "\",\"id\":\"not this one\",\"nested\":{\"id\":2}}},\"id\":\"req \\\"7\\\"\"}\n"
                + "{\"id\":12,\"pad\":\"" + big + "\"}\n"
                + "{\"pad\":\"" + big + "\",\"id\":{\"x\":1}}\n"
                + "[{\"id\":3,\"pad\":\"" + big + "\"}]\n"
                + big + "\n"
                + "ok\n", 100);
        assertEquals(6, out.size(), out.toString());
        assertTrue(out.get(0).startsWith("TOO LONG ") && out.get(0).endsWith(" id=\"req \\\"7\\\"\""), out.get(0));
        assertTrue(out.get(1).endsWith(" id=12"), out.get(1));
        assertTrue(out.get(2).endsWith(" id=null"), "an object id is none: " + out.get(2));
        assertTrue(out.get(3).endsWith(" id=null"), "a batch has no id of its own: " + out.get(3));
        assertEquals("TOO LONG 500 id=null", out.get(4));
        assertEquals("ok", out.get(5), "the next line is read as usual");
    }

    @Test
    void aHundredMegabyteLineIsStreamedPastWithoutBeingHeld() throws IOException {
        long size = 100L * 1024 * 1024;
        InputStream huge = new InputStream() {
            long left = size;
            final byte[] head = "{\"id\":99,\"junk\":\"".getBytes(StandardCharsets.US_ASCII);
            long pos;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                for (int i = 0; i < n; i++, pos++) {
                    b[off + i] = pos < head.length ? head[(int) pos] : (byte) (left - i == 1 ? '\n' : 'a');
                }
                left -= n;
                return n;
            }
        };
        LineReader r = new LineReader(huge);
        LineReader.Line l = r.next();
        assertTrue(l.tooLong());
        assertEquals(size - 1, l.length());
        assertEquals("99", l.overlong().rawId());
        assertNull(r.next());
    }
}
