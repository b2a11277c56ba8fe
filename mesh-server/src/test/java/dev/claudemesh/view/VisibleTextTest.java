package dev.claudemesh.view;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class VisibleTextTest {
    @Test
    void terminalEscapesAndBidiControlsAreShownAsTheirCodes() {
        assertEquals("\\u001b[31mred\\u001b[0m", VisibleText.of("\u001b[31mred\u001b[0m"));
        assertEquals("\\u009b2J \\u007f \\u0007", VisibleText.of("\u009b2J \u007f \u0007"), "C1, DEL, BEL");
        assertEquals("abc \\u202edcba\\u202c \\u2066x\\u2069 \\u200f \\u061c", VisibleText.of("abc \u202edcba\u202c \u2066x\u2069 \u200f \u061c"));
        assertEquals("one\\u2028two\\u2029", VisibleText.of("one\u2028two\u2029"));
        assertEquals("lone \\ud800 and \\udc00", VisibleText.of("lone \ud800 and \udc00"));
    }

    @Test
    void lineBreaksTabsAndEverythingPrintableStayAsTheyAre() {
        String plain = "line one\n\tline two: <b>not markup</b> & \"quotes\" — ünïcode 😀 עברית";
        assertSame(plain, VisibleText.of(plain), "nothing to change, nothing copied");
        assertEquals("a\nb", VisibleText.of("a\r\nb"), "CRLF is a line break");
        assertEquals("a\\u000db", VisibleText.of("a\rb"), "a lone CR, which rewrites a terminal line, is shown");
        assertEquals("😀\\u001b", VisibleText.of("😀\u001b"), "a surrogate pair before a control stays whole");
        assertNull(VisibleText.of(null));
    }
}
