package dev.claudemesh.install;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an existing JSON file is laid out, so that we write it back the same way. Claude Code writes its files
 * with {@code JSON.stringify(value, null, 2)}; the defaults here reproduce that byte for byte (and the same
 * with 4 spaces, tabs, or no indentation at all), so a file Claude Code wrote comes back unchanged except
 * for the entries we add.
 *
 * @param indent           one level of indentation, or null for a compact one-line file
 * @param spaceBeforeColon {@code "key" : value} rather than {@code "key": value}
 * @param eol              line separator inside the document
 * @param finalNewline     whether the file ends with a line separator
 */
record JsonStyle(String indent, boolean spaceBeforeColon, String eol, boolean finalNewline) {

    /** For a file we create: what Claude Code writes, plus the final newline editors expect. */
    static final JsonStyle DEFAULT = new JsonStyle("  ", false, "\n", true);

    private static final Pattern INDENTED = Pattern.compile("^([ \\t]+)\\S", Pattern.MULTILINE);
    private static final Pattern FIRST_KEY = Pattern.compile("^\\s*\"(?:[^\"\\\\]|\\\\.)*\"(\\s*):", Pattern.MULTILINE);

    static JsonStyle detect(String text) {
        String body = text.stripTrailing();
        String eol = text.contains("\r\n") ? "\r\n" : "\n";
        boolean finalNewline = text.endsWith("\n");
        if (!body.contains("\n")) {
            // "{}" is what JSON.stringify prints for an empty object at any indentation: not a sign of a
            // compact file, so content added to it is laid out as Claude Code would.
            boolean empty = body.replaceAll("\\s", "").equals("{}");
            return new JsonStyle(empty ? DEFAULT.indent : null, false, eol, finalNewline);
        }
        Matcher key = FIRST_KEY.matcher(body);
        boolean spaceBeforeColon = key.find() && !key.group(1).isEmpty();
        // JSON strings cannot hold raw line breaks, so every line is structure and the smallest indentation
        // is one level.
        String indent = null;
        Matcher m = INDENTED.matcher(body);
        for (int seen = 0; m.find() && seen < 500; seen++) {
            String ws = m.group(1);
            if (ws.startsWith("\t")) {
                indent = "\t";
                break;
            }
            if (indent == null || ws.length() < indent.length()) {
                indent = ws;
            }
        }
        return new JsonStyle(indent == null ? DEFAULT.indent : indent, spaceBeforeColon, eol, finalNewline);
    }

    String render(JsonNode root, ObjectMapper mapper) {
        try {
            String body = indent == null
                    ? mapper.writeValueAsString(root)
                    : mapper.writer(printer()).writeValueAsString(root);
            return finalNewline ? body + eol : body;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render JSON", e);
        }
    }

    /** JSON.stringify's layout: every entry and element on its own line, {@code {}} and {@code []} when empty. */
    private DefaultPrettyPrinter printer() {
        Separators separators = Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(spaceBeforeColon ? Separators.Spacing.BOTH : Separators.Spacing.AFTER)
                .withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        DefaultIndenter indenter = new DefaultIndenter(indent, eol);
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(separators);
        printer.indentObjectsWith(indenter);
        printer.indentArraysWith(indenter);
        return printer;
    }
}
