package dev.claudemesh.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The docs build: every relative link in README.md and docs/*.md leads to a file of the checkout, and every
 * {@code #anchor} to a heading of the page it names, as GitHub renders them. Links inside code are not links.
 */
class DocsLinksTest {
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$");

    private final Map<Path, Set<String>> anchors = new HashMap<>();

    @Test
    void everyRelativeLinkAndAnchorInTheDocsResolves() throws IOException {
        Path root = SettingTableTest.repoRoot();
        List<Path> pages = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> docs = Files.list(root.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> broken = new ArrayList<>();
        int checked = 0;
        for (Path page : pages) {
            List<String> lines = prose(page);
            for (int i = 0; i < lines.size(); i++) {
                Matcher m = LINK.matcher(withoutCodeSpans(lines.get(i)));
                while (m.find()) {
                    String target = m.group(1);
                    if (target.matches("^[a-z][a-z0-9+.-]*:.*")) {
                        continue; // https:, mailto: and the like: not the checkout's
                    }
                    checked++;
                    String where = root.relativize(page) + ":" + (i + 1) + ": (" + target + ") ";
                    int hash = target.indexOf('#');
                    String file = hash < 0 ? target : target.substring(0, hash);
                    Path to = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                    if (!Files.exists(to)) {
                        broken.add(where + "no such file " + root.relativize(to));
                    } else if (hash >= 0) {
                        String anchor = target.substring(hash + 1);
                        if (!to.toString().endsWith(".md") || !anchorsOf(to).contains(anchor)) {
                            broken.add(where + "no heading with anchor #" + anchor + " in " + root.relativize(to));
                        }
                    }
                }
            }
        }
        assertTrue(checked > 0, "no links found: is the pattern right?");
        assertEquals(List.of(), broken, "broken links");
    }

    /** The page's lines, with fenced code blocks blanked (line numbers kept). */
    private static List<String> prose(Path page) throws IOException {
        List<String> out = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(page, StandardCharsets.UTF_8)) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                out.add("");
            } else {
                out.add(fenced ? "" : line);
            }
        }
        return out;
    }

    private static String withoutCodeSpans(String line) {
        return line.replaceAll("`[^`]*`", "``");
    }

    /** The anchors GitHub gives the page's headings: lower case, punctuation dropped, spaces as '-', repeats numbered. */
    private Set<String> anchorsOf(Path page) throws IOException {
        Set<String> known = anchors.get(page);
        if (known != null) {
            return known;
        }
        known = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(page)) {
            Matcher m = HEADING.matcher(line);
            if (m.matches()) {
                String slug = slug(m.group(1));
                int n = seen.merge(slug, 1, Integer::sum);
                known.add(n == 1 ? slug : slug + "-" + (n - 1));
            }
        }
        anchors.put(page, known);
        return known;
    }

    static String slug(String heading) {
        String text = heading.replaceAll("`", "").replaceAll("\\[([^\\]]*)]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                out.appendCodePoint(c);
            } else if (c == ' ') {
                out.append('-');
            }
        });
        return out.toString();
    }
}
