package dev.claudemesh.mesh;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A path pattern relative to a repository's root, in normal form: segments joined by '/', none empty, none
 * '.' or '..'. Within a segment {@code *} stands for any run of characters and {@code ?} for one (never a '/');
 * a segment that is exactly {@code **} stands for any number of segments, none included. Every other character
 * is itself, so {@code app/[id]/page.tsx} names that file.
 *
 * <p>Whether two patterns share a path is decided exactly, by walking both as automata side by side (a pair of
 * positions per state), first over segments and, for two segments, over characters; a path is a pattern without
 * wildcards, so matching a file is the same question.
 */
public final class PathGlob {
    /** A segment: its tokens, each a character or one of {@link #ANY_RUN}, {@link #ANY_ONE}. */
    private static final int ANY_RUN = -1;
    private static final int ANY_ONE = -2;
    private static final String DEEP = "**";

    private final String text;
    /** Per segment: null for {@code **}, else the segment's tokens. */
    private final List<int[]> segments;

    private PathGlob(String text, List<int[]> segments) {
        this.text = text;
        this.segments = segments;
    }

    /**
     * The normal form of {@code pattern}, already made relative to the repository root: '\' is not a separator,
     * runs of '/' are one, '.' segments go, a trailing '/' means everything below ({@code dir/} is {@code dir/**}),
     * {@code ***} is {@code **} and {@code a**b} is {@code a*b}. Refused (with what to do) when empty, absolute, or
     * holding a '..' segment.
     */
    public static PathGlob parse(String pattern) {
        if (pattern == null || pattern.isBlank()) {
            throw new MeshException("a path is empty; give a file or a glob relative to the repository root, such as src/api/**");
        }
        if (pattern.startsWith("/")) {
            throw new MeshException("'" + printable(pattern) + "' is absolute; give it relative to the repository root");
        }
        if (pattern.indexOf('\0') >= 0 || pattern.chars().anyMatch(ch -> ch < 0x20)) {
            throw new MeshException("'" + printable(pattern) + "' holds control characters; give a file or glob relative to the repository root");
        }
        List<String> parts = new ArrayList<>();
        for (String s : pattern.split("/", -1)) {
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                throw new MeshException("'" + printable(pattern) + "' steps out with '..'; give the path from the repository root without '..'");
            }
            if (s.matches("\\*{2,}")) {
                parts.add(DEEP);
            } else {
                parts.add(s.replaceAll("\\*{2,}", "*")); // within a segment, ** is no more than *
            }
        }
        if (pattern.endsWith("/") && !parts.isEmpty() && !parts.get(parts.size() - 1).equals(DEEP)) {
            parts.add(DEEP);
        }
        // Neighbouring ** are one.
        List<String> norm = new ArrayList<>();
        for (String p : parts) {
            if (!(p.equals(DEEP) && !norm.isEmpty() && norm.get(norm.size() - 1).equals(DEEP))) {
                norm.add(p);
            }
        }
        if (norm.isEmpty()) {
            throw new MeshException("'" + printable(pattern) + "' names no path; to mean the whole repository write **");
        }
        List<int[]> segs = new ArrayList<>();
        for (String p : norm) {
            segs.add(p.equals(DEEP) ? null : tokens(p, true));
        }
        return new PathGlob(String.join("/", norm), java.util.Collections.unmodifiableList(segs));
    }

    /** A file's path relative to the root, every character literal (a file may be called {@code a*b}). */
    public static PathGlob file(String relative) {
        parse(relative); // the same refusals
        List<String> parts = new ArrayList<>();
        List<int[]> segs = new ArrayList<>();
        for (String p : relative.split("/")) {
            if (!p.isEmpty() && !p.equals(".")) {
                parts.add(p);
                segs.add(tokens(p, false));
            }
        }
        return new PathGlob(String.join("/", parts), java.util.Collections.unmodifiableList(segs));
    }

    private static int[] tokens(String segment, boolean wild) {
        int[] cps = segment.codePoints().toArray();
        if (!wild) {
            return cps;
        }
        List<Integer> out = new ArrayList<>();
        for (int c : cps) {
            int t = c == '*' ? ANY_RUN : c == '?' ? ANY_ONE : c;
            if (!(t == ANY_RUN && !out.isEmpty() && out.get(out.size() - 1) == ANY_RUN)) {
                out.add(t);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Whether some path matches both this pattern and {@code other}. */
    public boolean overlaps(PathGlob other) {
        // States are (i, j): segments of this and of other consumed. ** may take no segment (an epsilon move) or
        // one more and stay; two plain segments move together when some one segment matches both.
        int n = segments.size();
        int m = other.segments.size();
        Deque<int[]> todo = new ArrayDeque<>();
        Set<Long> seen = new HashSet<>();
        todo.add(new int[]{0, 0});
        while (!todo.isEmpty()) {
            int[] s = todo.poll();
            int i = s[0];
            int j = s[1];
            if (!seen.add(((long) i << 32) | j)) {
                continue;
            }
            if (i == n && j == m) {
                return true;
            }
            int[] a = i < n ? segments.get(i) : null;
            int[] b = j < m ? other.segments.get(j) : null;
            boolean aDeep = i < n && a == null;
            boolean bDeep = j < m && b == null;
            if (aDeep) {
                todo.add(new int[]{i + 1, j});
            }
            if (bDeep) {
                todo.add(new int[]{i, j + 1});
            }
            if (i < n && j < m) {
                // One segment taken by both sides: ** takes any, so only two plain segments need checking.
                if (aDeep || bDeep || segmentsOverlap(a, b)) {
                    todo.add(new int[]{aDeep ? i : i + 1, bDeep ? j : j + 1});
                }
            }
        }
        return false;
    }

    /** Whether {@code file} (a path, see {@link #file}) is matched by this pattern. */
    public boolean covers(PathGlob file) {
        return overlaps(file);
    }

    /** Whether one string without '/' matches both token lists (the same walk, over characters). */
    private static boolean segmentsOverlap(int[] a, int[] b) {
        int n = a.length;
        int m = b.length;
        boolean[][] seen = new boolean[n + 1][m + 1];
        Deque<int[]> todo = new ArrayDeque<>();
        todo.add(new int[]{0, 0});
        while (!todo.isEmpty()) {
            int[] s = todo.poll();
            int i = s[0];
            int j = s[1];
            if (seen[i][j]) {
                continue;
            }
            seen[i][j] = true;
            if (i == n && j == m) {
                return true;
            }
            // A * may match nothing.
            if (i < n && a[i] == ANY_RUN) {
                todo.add(new int[]{i + 1, j});
            }
            if (j < m && b[j] == ANY_RUN) {
                todo.add(new int[]{i, j + 1});
            }
            if (i < n && j < m) {
                int x = a[i];
                int y = b[j];
                boolean xAny = x < 0;
                boolean yAny = y < 0;
                // One character read by both: a literal must agree with a literal; a wildcard takes any.
                if (xAny || yAny || x == y) {
                    todo.add(new int[]{x == ANY_RUN ? i : i + 1, y == ANY_RUN ? j : j + 1});
                }
            }
        }
        return false;
    }

    /** Whether the pattern has no wildcard: it names one file. */
    public boolean isLiteral() {
        return segments.stream().allMatch(s -> s != null && java.util.Arrays.stream(s).allMatch(t -> t >= 0));
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PathGlob g && g.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    private static String printable(String s) {
        String t = s.replaceAll("\\p{Cntrl}", "?");
        return t.length() > 200 ? t.substring(0, 200) + "…" : t;
    }
}
