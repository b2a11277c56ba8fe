package dev.claudemesh.cli;

/**
 * Text from the mesh made safe to print on a terminal. Names, paths, summaries and message bodies are written
 * by other sessions (and their models), so they may carry escape sequences that move the cursor, retitle the
 * window, rewrite earlier lines or reorder what is shown. Every character that controls a terminal instead of
 * showing itself is printed visibly as {@code \\u001b} (and so on): C0 controls (but for tab, and line breaks
 * where the output has lines), DEL, C1 controls, the bidirectional-text controls, line and paragraph
 * separators, and unpaired surrogates.
 */
final class TerminalText {
    private TerminalText() {
    }

    /** On one line: line breaks shown as ⏎, tabs kept, cut to {@code max} characters with …. */
    static String line(String s, int max) {
        String flat = neutralise(s, false);
        return flat.length() > max ? flat.substring(0, max - 1) + "…" : flat;
    }

    /** On one line, whole. */
    static String line(String s) {
        return neutralise(s, false);
    }

    /** As lines (an answer printed on stdout): line breaks and tabs kept. */
    static String lines(String s) {
        return neutralise(s, true);
    }

    private static String neutralise(String s, boolean multiline) {
        if (s == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                continue; // CRLF is a line break; a lone CR (which rewrites the line) is shown below
            }
            if (c == '\n') {
                out.append(multiline ? "\n" : "⏎");
            } else if (c == '\t') {
                out.append(c);
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                out.append(c).append(s.charAt(++i));
            } else if (controls(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean controls(char c) {
        return c < 0x20 || (c >= 0x7f && c <= 0x9f)           // C0, DEL, C1 (0x9b is a one-byte CSI)
                || c == 0x061c || c == 0x200e || c == 0x200f     // Arabic letter mark, left-to-right and right-to-left marks
                || (c >= 0x202a && c <= 0x202e)                   // bidi embeddings and overrides
                || (c >= 0x2066 && c <= 0x2069)                   // bidi isolates
                || c == 0x2028 || c == 0x2029                     // line and paragraph separators
                || Character.isSurrogate(c);                      // unpaired (paired ones were taken above)
    }
}
