package dev.claudemesh.cli;

import picocli.CommandLine;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.UsageMessageSpec;

import java.util.Map;

/**
 * Help wrapped at spaces only. picocli wraps with the JDK's line break rules, which break after a dot inside
 * a word, so {@code ~/.claude.json} came out as {@code ~/.claude.} / {@code json}. So picocli renders every
 * section unwrapped (a very wide line) and this wraps it again, at spaces: a path or an option is never cut,
 * and a wrapped line keeps the indentation of its column.
 */
final class HelpText {
    static final int WIDTH = 80;
    private static final int UNWRAPPED = 10_000;

    private HelpText() {
    }

    /** Makes {@code cli} and all its subcommands render their help through {@link #wrap}. */
    static void install(CommandLine cli) {
        cli.setUsageHelpWidth(UNWRAPPED);
        apply(cli);
    }

    private static void apply(CommandLine cli) {
        Map<String, IHelpSectionRenderer> sections = new java.util.LinkedHashMap<>(cli.getHelpSectionMap());
        sections.replaceAll((key, renderer) -> renderer instanceof Wrapped ? renderer : new Wrapped(key, renderer));
        cli.setHelpSectionMap(sections);
        cli.getSubcommands().values().forEach(HelpText::apply);
    }

    /** A section as picocli renders it, wrapped again by {@link #wrap}. */
    private record Wrapped(String key, IHelpSectionRenderer unwrapped) implements IHelpSectionRenderer {
        @Override
        public String render(CommandLine.Help help) {
            String text = unwrapped.render(help);
            if (key.equals(UsageMessageSpec.SECTION_KEY_SYNOPSIS)) {
                // It follows "Usage: " on its line and goes on below its first option, as picocli lays it out.
                int offset = "Usage: ".length();
                return wrap(text, WIDTH, offset, offset + help.commandSpec().qualifiedName().length() + 1);
            }
            return wrap(text, WIDTH, 0, -1);
        }
    }

    /**
     * Each line longer than {@code width} broken at spaces, its continuation lines indented to its own column
     * (or to {@code indent} when that is not negative); the first line starts {@code offset} columns in.
     */
    static String wrap(String text, int width, int offset, int indent) {
        StringBuilder out = new StringBuilder(text.length() + 64);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (i > 0) {
                out.append('\n');
            }
            wrapLine(lines[i], width, i == 0 ? offset : 0, indent, out);
        }
        return out.toString();
    }

    private static void wrapLine(String line, int width, int offset, int fixedIndent, StringBuilder out) {
        String body = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        if (offset + body.length() <= width) {
            out.append(line);
            return;
        }
        String indent = " ".repeat(Math.min(fixedIndent >= 0 ? fixedIndent : continuationIndent(body), width / 2));
        String rest = body;
        boolean first = true;
        while (true) {
            String prefix = first ? "" : indent;
            int room = width - prefix.length() - (first ? offset : 0);
            if (rest.length() <= room) {
                out.append(prefix).append(rest);
                break;
            }
            int cut = rest.lastIndexOf(' ', room);
            // A first line's own leading spaces are not a place to break.
            int lead = first ? leadingSpaces(rest) : 0;
            if (cut <= lead) {
                cut = rest.indexOf(' ', room); // a word longer than the room: keep it whole
                if (cut < 0) {
                    out.append(prefix).append(rest);
                    break;
                }
            }
            out.append(prefix).append(rest, 0, cut).append('\n');
            rest = rest.substring(cut).stripLeading();
            first = false;
        }
        if (line.endsWith("\r")) {
            out.append('\r');
        }
    }

    /**
     * Where a wrapped line goes on: two columns into the text of a table row (an option, a parameter, a
     * command, an exit code), as picocli indents; flush for a paragraph.
     */
    private static int continuationIndent(String line) {
        int lead = leadingSpaces(line);
        if (lead == 0) {
            return 0;
        }
        int gap = line.indexOf("  ", lead);
        if (gap < 0) {
            return lead;
        }
        int text = gap;
        while (text < line.length() && line.charAt(text) == ' ') {
            text++;
        }
        return text + 2;
    }

    private static int leadingSpaces(String s) {
        int n = 0;
        while (n < s.length() && s.charAt(n) == ' ') {
            n++;
        }
        return n;
    }
}
