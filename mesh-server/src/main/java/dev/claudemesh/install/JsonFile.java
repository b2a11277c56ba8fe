package dev.claudemesh.install;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.config.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A JSON object file as it was read: its text (absent when there is no file), the parsed object, and its
 * layout. Objects keep their key order (Jackson's ObjectNode is a LinkedHashMap), and numbers keep their
 * written form (1.0 stays 1.0), so an unchanged object renders back to the same text.
 */
final class JsonFile {
    static final ObjectMapper MAPPER = JsonMapper.builder(new JsonFactory().setCharacterEscapes(new StringifyEscapes()))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    final Path path;
    private final String text;
    private final ObjectNode root;
    final JsonStyle style;

    private JsonFile(Path path, String text, ObjectNode root, JsonStyle style) {
        this.path = path;
        this.text = text;
        this.root = root;
        this.style = style;
    }

    /**
     * Reads {@code path}; a missing file (or one holding only white space) is an empty object. A file that is
     * not a JSON object is refused with a message naming it, and nothing is written to it.
     */
    static JsonFile read(Path path) {
        if (!Files.exists(path)) {
            return new JsonFile(path, null, MAPPER.createObjectNode(), JsonStyle.DEFAULT);
        }
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(path + ": cannot be read (" + e.getMessage() + "); nothing was changed");
        }
        if (text.isBlank()) {
            return new JsonFile(path, text, MAPPER.createObjectNode(), JsonStyle.DEFAULT);
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new ConfigException(path + ": is not valid JSON (" + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
                    + "); fix it by hand and run again; it was left untouched");
        }
        if (!(node instanceof ObjectNode obj)) {
            throw new ConfigException(path + ": holds " + node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)
                    + ", not a JSON object; fix it by hand and run again; it was left untouched");
        }
        return new JsonFile(path, text, obj, JsonStyle.detect(text));
    }

    /** The file's text as read; empty when there was no file. */
    Optional<String> text() {
        return Optional.ofNullable(text);
    }

    boolean exists() {
        return text != null;
    }

    /** A copy of the object to edit; the file's own stays as read. */
    ObjectNode edit() {
        return root.deepCopy();
    }

    boolean sameContent(ObjectNode other) {
        return root.equals(other);
    }

    String render(ObjectNode object) {
        return style.render(object, MAPPER);
    }

    /** True when writing the file back unchanged would reproduce it exactly (so edits disturb nothing else). */
    boolean keepsLayout() {
        return text == null || text.isBlank() || render(root).equals(text);
    }

    /**
     * Escapes as JSON.stringify does: control characters without a short form become {@code \\u001f} with
     * lower-case hex digits (Jackson writes upper case), everything else as Jackson's standard escapes.
     */
    private static final class StringifyEscapes extends CharacterEscapes {
        private static final long serialVersionUID = 1L;
        private final int[] codes = standardAsciiEscapesForJSON();

        StringifyEscapes() {
            for (int c = 0; c < 0x20; c++) {
                if (codes[c] == ESCAPE_STANDARD) {
                    codes[c] = ESCAPE_CUSTOM;
                }
            }
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return codes;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            // Asked for every non-ASCII character too: those stay as they are, as JSON.stringify leaves them.
            return ch < 0x20 ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    }
}
