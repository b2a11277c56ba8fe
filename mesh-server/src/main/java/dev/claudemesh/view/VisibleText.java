package dev.claudemesh.view;

/**
 * Peer text made safe to show a person. Bodies, summaries and paths are written by other sessions (and their
 * models), so they may hold characters that act instead of showing: terminal escapes (harmless in a page, but
 * copied from it into a terminal they are not), and bidirectional-text controls that make a line read in another
 * order than it is written. Each such character is replaced by its visible form, {@code \u202e} and the like:
 * C0 controls but tab and line feed (a CRLF becomes a line feed; a lone CR, which rewrites a terminal line, is
 * shown), DEL, C1 controls, the bidi marks, embeddings, overrides and isolates, the line and paragraph separators,
 * and unpaired surrogates. Everything else, emoji included, is kept as it is.
 *
 * <p>The page still renders all of this as text (never as markup); this is about what the text looks like.
 */
final class VisibleText {
    private VisibleText() {
    }

    static String of(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String replacement = null;
            if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                replacement = "";
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                if (out != null) {
                    out.append(c).append(s.charAt(i + 1));
                }
                i++;
                continue;
            } else if (acts(c)) {
                replacement = String.format("\\u%04x", (int) c);
            }
            if (replacement != null && out == null) {
                out = new StringBuilder(s.length() + 16).append(s, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? s : out.toString();
    }

    private static boolean acts(char c) {
        return (c < 0x20 && c != '\n' && c != '\t')
                || (c >= 0x7f && c <= 0x9f)                      // DEL and C1 (0x9b alone starts a CSI)
                || c == 0x061c || c == 0x200e || c == 0x200f     // the Arabic letter mark, the LTR and RTL marks
                || (c >= 0x202a && c <= 0x202e)                  // embeddings and overrides
                || (c >= 0x2066 && c <= 0x2069)                  // isolates
                || c == 0x2028 || c == 0x2029                    // line and paragraph separators
                || Character.isSurrogate(c);                     // a surrogate without its pair
    }
}
