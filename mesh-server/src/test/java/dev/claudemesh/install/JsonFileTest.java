package dev.claudemesh.install;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading a file and writing it back: the text Claude Code writes must come back byte for byte. */
class JsonFileTest {
    @TempDir
    Path tmp;

    /** What Node's JSON.stringify(value, null, 2) prints for a value with every kind of JSON in it. */
    static final String STRINGIFIED_2 = """
            {
              "mcpServers": {
                "other": {
                  "type": "stdio",
                  "command": "/x/y",
                  "args": [],
                  "env": {}
                }
              },
              "n": 1.5,
              "whole": 2.0,
              "big": 12345678901234567000,
              "e": {},
              "a": [
                1,
                "é ☃ \\u001f",
                {
                  "b": null
                }
              ],
              "t": true,
              "esc": "tab\\there \\"q\\" \\\\ / \\u0001"
            }""";

    @Test
    void textWrittenByJsonStringifyRoundTripsByteForByteWithTwoSpacesFourSpacesTabsOrNone() throws Exception {
        for (String indent : List.of("  ", "    ", "\t")) {
            String text = STRINGIFIED_2.replace("  ", indent);
            for (String ending : List.of("", "\n")) {
                assertEquals(text + ending, roundTrip(text + ending), "indent '" + indent + "' ending '" + ending + "'");
            }
        }
        String compact = JsonFile.MAPPER.writeValueAsString(JsonFile.MAPPER.readTree(STRINGIFIED_2));
        assertFalse(compact.contains("\n"));
        assertEquals(compact, roundTrip(compact));
    }

    @Test
    void windowsLineEndingsAndSpaceBeforeColonAreKept() throws Exception {
        String crlf = STRINGIFIED_2.replace("\n", "\r\n") + "\r\n";
        assertEquals(crlf, roundTrip(crlf));
        String spaced = "{\n  \"a\" : 1,\n  \"b\" : {\n    \"c\" : []\n  }\n}\n";
        assertEquals(spaced, roundTrip(spaced));
    }

    @Test
    void aMissingOrBlankFileIsAnEmptyObjectLaidOutAsClaudeCodeWouldWriteIt() throws Exception {
        JsonFile missing = JsonFile.read(tmp.resolve("none.json"));
        assertFalse(missing.exists());
        ObjectNode o = missing.edit();
        o.putObject("mcpServers");
        assertEquals("{\n  \"mcpServers\": {}\n}\n", missing.render(o));

        Path blank = Files.writeString(tmp.resolve("blank.json"), " \n");
        assertTrue(JsonFile.read(blank).edit().isEmpty());
    }

    @Test
    void malformedOrNonObjectFilesAreRefusedWithTheirPathAndPosition() throws Exception {
        Path bad = Files.writeString(tmp.resolve("bad.json"), "{\n  \"hooks\": {,\n}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> JsonFile.read(bad));
        assertTrue(e.getMessage().startsWith(bad + ": is not valid JSON"), e.getMessage());
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        assertTrue(e.getMessage().contains("left untouched"), e.getMessage());

        Path array = Files.writeString(tmp.resolve("array.json"), "[1]");
        assertTrue(assertThrows(ConfigException.class, () -> JsonFile.read(array)).getMessage().contains("not a JSON object"));

        Path twoDocs = Files.writeString(tmp.resolve("two.json"), "{} {}");
        assertThrows(ConfigException.class, () -> JsonFile.read(twoDocs));
    }

    @Test
    void layoutThatRenderingCannotReproduceIsNoticed() throws Exception {
        Path odd = Files.writeString(tmp.resolve("odd.json"), "{ \"a\": [1, 2],\n  \"b\": 1 }\n");
        assertFalse(JsonFile.read(odd).keepsLayout());
        Path fine = Files.writeString(tmp.resolve("fine.json"), STRINGIFIED_2);
        assertTrue(JsonFile.read(fine).keepsLayout());
        assertNull(JsonStyle.detect("{\"a\":1}").indent(), "one line with content: compact");
        assertEquals("  ", JsonStyle.detect("{}").indent(), "an empty object says nothing about layout");
    }

    private String roundTrip(String text) throws Exception {
        Path p = Files.writeString(tmp.resolve("f.json"), text);
        JsonFile f = JsonFile.read(p);
        return f.render(f.edit());
    }
}
