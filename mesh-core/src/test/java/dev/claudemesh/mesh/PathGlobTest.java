package dev.claudemesh.mesh;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PathGlobTest {

    private static boolean overlap(String a, String b) {
        boolean ab = PathGlob.parse(a).overlaps(PathGlob.parse(b));
        assertEquals(ab, PathGlob.parse(b).overlaps(PathGlob.parse(a)), "overlap is symmetric: " + a + " / " + b);
        return ab;
    }

    private static boolean covers(String glob, String file) {
        return PathGlob.parse(glob).covers(PathGlob.file(file));
    }

    @Test
    void normalFormDropsDotsAndRepeatedSlashesAndATrailingSlashMeansEverythingBelow() {
        assertEquals("src/api/**", PathGlob.parse("./src//api/").toString());
        assertEquals("src/api/**", PathGlob.parse("src/api/**/").toString());
        assertEquals("src/**/x.ts", PathGlob.parse("src/**/**/x.ts").toString());
        assertEquals("src/**", PathGlob.parse("src/***").toString());
        assertEquals("src/a*b", PathGlob.parse("src/a**b").toString());
        assertEquals("**", PathGlob.parse("**").toString());
        assertTrue(PathGlob.parse("app/[id]/page.tsx").isLiteral());
        assertFalse(PathGlob.parse("src/*.ts").isLiteral());
    }

    @Test
    void badPatternsAreRefusedSayingWhatToDo() {
        assertTrue(assertThrows(MeshException.class, () -> PathGlob.parse("")).getMessage().contains("empty"));
        assertTrue(assertThrows(MeshException.class, () -> PathGlob.parse("   ")).getMessage().contains("empty"));
        assertTrue(assertThrows(MeshException.class, () -> PathGlob.parse("./")).getMessage().contains("whole repository write **"));
        assertTrue(assertThrows(MeshException.class, () -> PathGlob.parse("src/../etc/passwd")).getMessage().contains("'..'"));
        assertTrue(assertThrows(MeshException.class, () -> PathGlob.parse("..")).getMessage().contains("'..'"));
        assertTrue(assertThrows(MeshException.class, () -> PathGlob.parse("/etc/passwd")).getMessage().contains("relative to the repository root"));
        assertTrue(assertThrows(MeshException.class, () -> PathGlob.parse("a\nb")).getMessage().contains("control characters"));
    }

    @Test
    void aDeepGlobCoversEveryFileBelowItAndNothingBeside() {
        assertTrue(covers("src/api/**", "src/api/users.ts"));
        assertTrue(covers("src/api/**", "src/api/v1/deep/users.ts"));
        assertFalse(covers("src/api/**", "src/apis/users.ts"));
        assertFalse(covers("src/api/**", "src/web/users.ts"));
        assertTrue(covers("**", "README.md"));
        assertTrue(covers("**/*.ts", "a.ts"));
        assertTrue(covers("**/*.ts", "a/b/c.ts"));
        assertFalse(covers("**/*.ts", "a/b/c.tsx"));
    }

    @Test
    void starAndQuestionMarkStayInsideOneSegment() {
        assertTrue(covers("src/*.ts", "src/a.ts"));
        assertFalse(covers("src/*.ts", "src/x/a.ts"));
        assertTrue(covers("src/?.ts", "src/a.ts"));
        assertFalse(covers("src/?.ts", "src/ab.ts"));
        assertTrue(covers("src/*", "src/.env"));
    }

    @Test
    void aFileNameIsAlwaysLiteral() {
        assertTrue(covers("src/a*b", "src/a*b"));
        assertTrue(covers("src/a*b", "src/axxb"));
        assertFalse(PathGlob.parse("src/a*b").overlaps(PathGlob.file("src/axxc")));
        assertFalse(PathGlob.file("src/a*b").overlaps(PathGlob.file("src/axb")), "a file called a*b is not axb");
        assertTrue(covers("app/[id]/page.tsx", "app/[id]/page.tsx"));
        assertFalse(covers("app/[id]/page.tsx", "app/i/page.tsx"), "brackets are characters, not a class");
    }

    @Test
    void globsOverlapWhenOnePathCouldMatchBoth() {
        assertTrue(overlap("src/api/**", "src/**/users.ts"));
        assertTrue(overlap("src/api/**", "**/*.ts"));
        assertTrue(overlap("a/**", "**/b"), "a/b");
        assertTrue(overlap("a/b/**", "**/c/d"), "a/b/c/d");
        assertTrue(overlap("*.ts", "a*"));
        assertTrue(overlap("a*", "*b"), "ab");
        assertTrue(overlap("src/**", "src"), "** may match no segment");
        assertFalse(overlap("src/api/**", "src/web/**"));
        assertFalse(overlap("*.ts", "*.js"));
        assertFalse(overlap("a?", "abc"));
        assertFalse(overlap("src/*/x.ts", "src/x.ts"), "* is exactly one segment");
        assertFalse(overlap("a/*/b", "a/b"));
        assertTrue(overlap("a/**/b", "a/b"));
    }

    /**
     * Against a matcher written the plain way, on every path of up to four segments of up to two characters
     * over {a, b}: two random globs overlap exactly when some such path matches both (short globs always have
     * a witness that short).
     */
    @Test
    void overlapAgreesWithEnumeratingEveryShortPath() {
        List<String> segs = new ArrayList<>();
        String abc = "ab"; // the globs use no other letter, so a witness needs none
        for (char x : abc.toCharArray()) {
            segs.add("" + x);
            for (char y : abc.toCharArray()) {
                segs.add("" + x + y);
            }
        }
        List<String> paths = new ArrayList<>();
        List<List<String>> level = new ArrayList<>();
        level.add(List.of());
        for (int depth = 1; depth <= 4; depth++) {
            List<List<String>> next = new ArrayList<>();
            for (List<String> p : level) {
                for (String s : segs) {
                    List<String> q = new ArrayList<>(p);
                    q.add(s);
                    next.add(q);
                    paths.add(String.join("/", q));
                }
            }
            level = next;
        }
        Random rnd = new Random(17);
        String[] tokens = {"a", "b", "*", "?"};
        List<String> globs = new ArrayList<>();
        for (int g = 0; g < 80; g++) {
            int n = 1 + rnd.nextInt(3);
            List<String> parts = new ArrayList<>();
            for (int k = 0; k < n; k++) {
                if (rnd.nextInt(4) == 0) {
                    parts.add("**");
                } else {
                    int len = 1 + rnd.nextInt(2);
                    StringBuilder sb = new StringBuilder();
                    for (int t = 0; t < len; t++) {
                        sb.append(tokens[rnd.nextInt(tokens.length)]);
                    }
                    parts.add(sb.toString());
                }
            }
            globs.add(String.join("/", parts));
        }
        List<PathGlob> files = paths.stream().map(PathGlob::file).toList();
        List<PathGlob> parsed = globs.stream().map(PathGlob::parse).toList();
        List<BitSet> matched = new ArrayList<>();
        for (String glob : globs) {
            PathGlob g = PathGlob.parse(glob);
            BitSet bits = new BitSet(paths.size());
            for (int i = 0; i < paths.size(); i++) {
                if (reference(glob.split("/"), 0, paths.get(i).split("/"), 0)) {
                    bits.set(i);
                }
                if (bits.get(i) != g.covers(files.get(i))) {
                    assertEquals(bits.get(i), g.covers(files.get(i)), glob + " on " + paths.get(i));
                }
            }
            matched.add(bits);
        }
        for (int a = 0; a < globs.size(); a++) {
            for (int b = 0; b < globs.size(); b++) {
                boolean witness = matched.get(a).intersects(matched.get(b));
                assertEquals(witness, parsed.get(a).overlaps(parsed.get(b)),
                        globs.get(a) + " vs " + globs.get(b));
            }
        }
    }

    private static final java.util.Map<String, Pattern> SEGMENT = new java.util.HashMap<>();

    /** The plain way: segment by segment, ** taking any number of whole segments, each segment a regular expression. */
    private static boolean reference(String[] glob, int i, String[] path, int j) {
        if (i == glob.length) {
            return j == path.length;
        }
        if (glob[i].equals("**")) {
            return reference(glob, i + 1, path, j) || j < path.length && reference(glob, i, path, j + 1);
        }
        Pattern re = SEGMENT.computeIfAbsent(glob[i], g -> {
            StringBuilder sb = new StringBuilder();
            for (char c : g.toCharArray()) {
                sb.append(c == '*' ? "[^/]*" : c == '?' ? "[^/]" : Pattern.quote("" + c));
            }
            return Pattern.compile(sb.toString());
        });
        return j < path.length && re.matcher(path[j]).matches() && reference(glob, i + 1, path, j + 1);
    }
}
