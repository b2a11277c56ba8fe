package dev.claudemesh.install;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A unified diff of two texts, for {@code --dry-run}. Files such as ~/.claude.json can be large, but our
 * edits are few and close together: the common head and tail are cut off first, and only the middle goes
 * through the longest-common-subsequence table.
 */
final class LineDiff {
    private static final int CONTEXT = 3;
    /** Beyond this many cells the middle is shown as all removed, then all added: still a correct diff. */
    private static final long MAX_CELLS = 4_000_000;

    /** One line of the diff: ' ' in both, '-' only before, '+' only after, with its index on each side. */
    private record Op(char kind, int a, int b) {
    }

    private LineDiff() {
    }

    /** The diff of {@code before} and {@code after} (null for a missing file), headed by the two labels. */
    static String unified(String beforeLabel, String before, String afterLabel, String after) {
        List<String> a = lines(before);
        List<String> b = lines(after);
        int head = 0;
        while (head < a.size() && head < b.size() && a.get(head).equals(b.get(head))) {
            head++;
        }
        int tail = 0;
        while (tail < a.size() - head && tail < b.size() - head
                && a.get(a.size() - 1 - tail).equals(b.get(b.size() - 1 - tail))) {
            tail++;
        }
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < head; i++) {
            ops.add(new Op(' ', i, i));
        }
        middle(a, b, head, a.size() - tail, b.size() - tail, ops);
        for (int i = 0; i < tail; i++) {
            ops.add(new Op(' ', a.size() - tail + i, b.size() - tail + i));
        }
        return "--- " + beforeLabel + "\n+++ " + afterLabel + "\n" + hunks(a, b, ops);
    }

    private static void middle(List<String> a, List<String> b, int from, int aEnd, int bEnd, List<Op> ops) {
        int n = aEnd - from;
        int m = bEnd - from;
        if ((long) n * m > MAX_CELLS) {
            for (int i = from; i < aEnd; i++) {
                ops.add(new Op('-', i, -1));
            }
            for (int j = from; j < bEnd; j++) {
                ops.add(new Op('+', -1, j));
            }
            return;
        }
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = a.get(from + i).equals(b.get(from + j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        int i = 0;
        int j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a.get(from + i).equals(b.get(from + j))) {
                ops.add(new Op(' ', from + i++, from + j++));
            } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                ops.add(new Op('-', from + i++, -1));
            } else {
                ops.add(new Op('+', -1, from + j++));
            }
        }
    }

    private static String hunks(List<String> a, List<String> b, List<Op> ops) {
        StringBuilder out = new StringBuilder();
        int k = 0;
        while (k < ops.size()) {
            if (ops.get(k).kind() == ' ') {
                k++;
                continue;
            }
            // One hunk runs from CONTEXT lines before this change to CONTEXT lines after the last change that
            // follows within 2 * CONTEXT unchanged lines of the one before it.
            int last = k;
            for (int x = k, quiet = 0; x < ops.size() && quiet <= 2 * CONTEXT; x++) {
                if (ops.get(x).kind() == ' ') {
                    quiet++;
                } else {
                    quiet = 0;
                    last = x;
                }
            }
            int start = Math.max(0, k - CONTEXT);
            int end = Math.min(ops.size() - 1, last + CONTEXT);
            int aStart = -1;
            int bStart = -1;
            int aCount = 0;
            int bCount = 0;
            StringBuilder body = new StringBuilder();
            for (Op op : ops.subList(start, end + 1)) {
                if (op.kind() != '+') {
                    aStart = aStart < 0 ? op.a() : aStart;
                    aCount++;
                }
                if (op.kind() != '-') {
                    bStart = bStart < 0 ? op.b() : bStart;
                    bCount++;
                }
                body.append(op.kind()).append(op.kind() == '+' ? b.get(op.b()) : a.get(op.a())).append('\n');
            }
            out.append("@@ -").append(range(aStart, aCount)).append(" +").append(range(bStart, bCount)).append(" @@\n")
                    .append(body);
            k = end + 1;
        }
        return out.toString();
    }

    private static String range(int start, int count) {
        return count == 0 ? "0,0" : (start + 1) + (count == 1 ? "" : "," + count);
    }

    private static List<String> lines(String text) {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        String t = text.replace("\r\n", "\n");
        String[] parts = (t.endsWith("\n") ? t.substring(0, t.length() - 1) : t).split("\n", -1);
        return Arrays.asList(parts);
    }
}
