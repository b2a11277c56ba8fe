package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the SDK reads through the tap: every tools/call carries its JSON-RPC id in params._meta, exactly as if
 * the line had been parsed, given the key and printed again; everything else passes byte for byte; lines
 * that are not one JSON object are dropped; cancellations and the initialized notification are reported.
 */
class RequestTapTest {
    static final ObjectMapper JSON = new ObjectMapper();

    final List<String> cancelled = new ArrayList<>();
    final AtomicInteger initialized = new AtomicInteger();

    String through(String input) throws IOException {
        RequestTap tap = new RequestTap(new ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)), JSON,
                cancelled::add, initialized::incrementAndGet);
        return new String(tap.readAllBytes(), StandardCharsets.UTF_8);
    }

    /** The meaning the tap must give a tools/call line: the same message with the id put into params._meta. */
    static JsonNode expected(String line) throws IOException {
        JsonNode msg = JSON.readTree(line);
        ObjectNode params = (ObjectNode) msg.get("params");
        JsonNode meta = params.get("_meta");
        ObjectNode m = meta instanceof ObjectNode o ? o : params.putObject("_meta");
        m.put(RequestTap.META_KEY, msg.get("id").asText());
        return msg;
    }

    @Test
    void everyToolsCallGetsItsIdInMetaAndKeepsEverythingElse() throws IOException {
        List<String> calls = List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"tell_peer\",\"arguments\":{\"to\":\"a\",\"message\":\"hi\"}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":\"req-\\\"quoted\\\"\\\\ é\",\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"_meta\":{},\"name\":\"x\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":\"x\",\"_meta\":{\"progressToken\":\"p1\"}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"_meta\":{\"" + RequestTap.META_KEY + "\":\"spoofed\"}}}",
                "{\"params\":{\"arguments\":{\"_meta\":{\"deep\":true},\"text\":\"tools/call\"},\"name\":\"x\"},\"method\":\"tools/call\",\"id\":12}",
                "  { \"jsonrpc\" : \"2.0\" ,\n\"id\" : 13 , \"method\" : \"tools/call\" , \"params\" : { \"_meta\" : { \"a\" : [1, {\"b\": 2}] } } }  ",
                "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"tools/call\",\"params\":{\"name\":\"\u65e5\u672c\",\"arguments\":{\"m\":\"\ud83d\ude00\"}}}");
        for (String call : calls) {
            String line = call.replace("\n", " ");
            String out = through(line + "\n");
            assertTrue(out.endsWith("\n") && out.indexOf('\n') == out.length() - 1, "one line out: " + out);
            assertEquals(expected(line), JSON.readTree(out), line);
        }
    }

    @Test
    void otherLinesPassByteForByteAndTheirEventsAreReported() throws IOException {
        String lines = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\"}}\n"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}\n"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7,\"reason\":\"user\"}}\n"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"reason\":\"x\",\"requestId\":\"abc\"}}\n"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":null}}\n"
                + "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{\"text\":\"tools/call\"}}\n"
                + "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\"}\n"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{}}\n";
        assertArrayEquals(lines.getBytes(StandardCharsets.UTF_8), through(lines).getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("7", "abc"), cancelled);
        assertEquals(1, initialized.get());
    }

    @Test
    void linesThatAreNotOneJsonObjectAreDropped() throws IOException {
        String good = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}\n";
        String out = through("not json\n" + good + "{\"a\":1}{\"b\":2}\n[1,2]\n{\"open\":\n\n" + good + "{\"id\":5,\"method\":\"tools/call\",\"params\":{}}");
        assertTrue(out.startsWith(good + good), out);
        String last = out.substring(2 * good.length());
        assertEquals(expected("{\"id\":5,\"method\":\"tools/call\",\"params\":{}}"), JSON.readTree(last), "the last line, without its newline");
        assertFalse(out.contains("not json") || out.contains("[1,2]") || out.contains("open"), out);
    }
}
