package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the SDK gets from the tap: every tools/call carries its JSON-RPC id in params._meta, exactly as if the
 * line had been parsed, given the key and printed again; other messages pass byte for byte; cancellations and
 * the initialized notification are reported; and what is not a JSON-RPC message is answered with the error
 * JSON-RPC names instead of reaching the SDK.
 */
class RequestTapTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String INIT = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\"}}";
    static final String INITIALIZED = "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}";

    final List<String> cancelled = new ArrayList<>();
    final AtomicInteger initialized = new AtomicInteger();
    final RequestTap tap = new RequestTap(new RpcOut(new ByteArrayOutputStream()), cancelled::add,
            initialized::incrementAndGet);

    RequestTap.Verdict inspect(String line) {
        return tap.inspect(line.getBytes(StandardCharsets.UTF_8));
    }

    /** What the SDK receives for {@code line}; fails when the tap answers it instead. */
    String through(String line) {
        RequestTap.Verdict v = inspect(line);
        assertEquals(null, v.reply() == null ? null : new String(v.reply(), StandardCharsets.UTF_8), line);
        return v.forward() == null ? null : new String(v.forward(), StandardCharsets.UTF_8);
    }

    /** The tap's reply to {@code line}, which must not reach the SDK. */
    JsonNode reply(byte[] line) throws IOException {
        RequestTap.Verdict v = tap.inspect(line);
        assertEquals(null, v.forward(), "must not reach the SDK: " + new String(line, StandardCharsets.UTF_8));
        assertNotNull(v.reply(), "must be answered: " + new String(line, StandardCharsets.UTF_8));
        return JSON.readTree(v.reply());
    }

    JsonNode reply(String line) throws IOException {
        return reply(line.getBytes(StandardCharsets.UTF_8));
    }

    void handshake() {
        through(INIT);
        through(INITIALIZED);
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
        handshake();
        List<String> calls = List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"tell_peer\",\"arguments\":{\"to\":\"a\",\"message\":\"hi\"}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":\"req-\\\"quoted\\\"\\\\ é\",\"method\":\"tools/call\",\"params\":{\"name\":\"x\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"tools/call\",\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"tools/call\",\"params\":{\"_meta\":{},\"name\":\"x\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":10,\"method\":\"tools/call\",\"params\":{\"name\":\"x\",\"_meta\":{\"progressToken\":\"p1\"}}}",
                "{\"jsonrpc\":\"2.0\",\"id\":11,\"method\":\"tools/call\",\"params\":{\"_meta\":{\"" + RequestTap.META_KEY + "\":\"spoofed\"}}}",
                "{\"params\":{\"arguments\":{\"_meta\":{\"deep\":true},\"text\":\"tools/call\"},\"name\":\"x\"},\"method\":\"tools/call\",\"id\":12,\"jsonrpc\":\"2.0\"}",
                "  { \"jsonrpc\" : \"2.0\" ,\t\"id\" : 13 , \"method\" : \"tools/call\" , \"params\" : { \"_meta\" : { \"a\" : [1, {\"b\": 2}] } } }  ",
                "{\"jsonrpc\":\"2.0\",\"id\":14,\"method\":\"tools/call\",\"params\":{\"name\":\"\u65e5\u672c\",\"arguments\":{\"m\":\"\ud83d\ude00\"}}}");
        for (String line : calls) {
            assertEquals(expected(line), JSON.readTree(through(line)), line);
        }
    }

    @Test
    void otherMessagesPassByteForByteAndTheirEventsAreReported() {
        List<String> lines = List.of(INIT, INITIALIZED,
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":7,\"reason\":\"user\"}}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"reason\":\"x\",\"requestId\":\"abc\"}}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":null}}",
                "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/list\",\"params\":{\"text\":\"tools/call\"}}",
                "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\"}",
                "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"id\":\"s1\",\"result\":{}}");
        for (String line : lines) {
            assertEquals(line, through(line));
        }
        assertEquals(List.of("7", "abc"), cancelled);
        assertEquals(1, initialized.get());
    }

    @Test
    void whatIsNotJsonIsAParseErrorCarryingTheIdWhenOneCanBeRead() throws IOException {
        handshake();
        for (String line : List.of("not json", "{\"a\":1}{\"b\":2}", "{\"open\":", "[1,2")) {
            JsonNode r = reply(line);
            assertEquals(RpcOut.PARSE_ERROR, r.path("error").path("code").asInt(), line);
            assertTrue(r.get("id").isNull(), line);
        }
        JsonNode truncated = reply("{\"jsonrpc\":\"2.0\",\"id\":41,\"method\":\"tools/call\",\"params\":{\"arguments\":{");
        assertEquals(RpcOut.PARSE_ERROR, truncated.path("error").path("code").asInt());
        assertEquals(41, truncated.get("id").asInt());
        assertEquals(RequestTap.Verdict.NOTHING, inspect("   "));
    }

    @Test
    void invalidUtf8IsAParseErrorNamingTheByteAndKeepingTheId() throws IOException {
        handshake();
        byte[] head = "{\"jsonrpc\":\"2.0\",\"method\":\"tools/call\",\"params\":{\"arguments\":{\"message\":\"caf".getBytes(StandardCharsets.UTF_8);
        byte[] tail = "\"}},\"id\":\"u-1\"}".getBytes(StandardCharsets.UTF_8);
        // A lone continuation byte, an overlong NUL, an encoded surrogate (CESU-8), a truncated sequence.
        for (byte[] bad : List.of(new byte[]{(byte) 0x80}, new byte[]{(byte) 0xc0, (byte) 0x80},
                new byte[]{(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[]{(byte) 0xe2, (byte) 0x82})) {
            byte[] line = new byte[head.length + bad.length + tail.length];
            System.arraycopy(head, 0, line, 0, head.length);
            System.arraycopy(bad, 0, line, head.length, bad.length);
            System.arraycopy(tail, 0, line, head.length + bad.length, tail.length);
            JsonNode r = reply(line);
            assertEquals(RpcOut.PARSE_ERROR, r.path("error").path("code").asInt());
            assertEquals("u-1", r.get("id").asText());
            String message = r.path("error").path("message").asText();
            assertTrue(message.contains("UTF-8") && message.contains("offset " + head.length), message);
        }
        assertEquals(null, RequestTap.utf8Problem("caf\u00e9 \u65e5\u672c \ud83d\ude00".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aBatchGetsAnInvalidRequestErrorForEachRequestInItAndNothingRuns() throws IOException {
        handshake();
        JsonNode r = reply("[{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/list\"},"
                + "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/cancelled\",\"params\":{\"requestId\":5}},"
                + "{\"jsonrpc\":\"2.0\",\"id\":\"six\",\"method\":\"tools/call\",\"params\":{}}, 7]");
        assertTrue(r.isArray(), r.toString());
        assertEquals(3, r.size(), "the requests and the element that is no message; never the notification: " + r);
        assertEquals(5, r.get(0).get("id").asInt());
        assertEquals("six", r.get(1).get("id").asText());
        assertTrue(r.get(2).get("id").isNull());
        r.forEach(e -> assertEquals(RpcOut.INVALID_REQUEST, e.path("error").path("code").asInt()));
        assertEquals(List.of(), cancelled, "nothing in a refused batch runs");
        JsonNode empty = reply("[]");
        assertEquals(RpcOut.INVALID_REQUEST, empty.path("error").path("code").asInt());
    }

    @Test
    void anIdThatIsNotAStringOrNumberAndOtherBadShapesAreInvalidRequests() throws IOException {
        handshake();
        for (String line : List.of(
                "{\"jsonrpc\":\"2.0\",\"id\":{\"x\":1},\"method\":\"tools/list\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"tools/list\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"tools/list\"}",
                "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"tools/call\",\"params\":{}}",
                "{\"jsonrpc\":\"2.0\",\"method\":1}",
                "42",
                "\"tools/call\"")) {
            JsonNode r = reply(line);
            assertEquals(RpcOut.INVALID_REQUEST, r.path("error").path("code").asInt(), line);
            assertTrue(r.get("id").isNull(), line);
        }
        JsonNode noVersion = reply("{\"id\":9,\"method\":\"tools/list\"}");
        assertEquals(9, noVersion.get("id").asInt(), "an id that can be read is answered to");
        assertEquals(RpcOut.INVALID_REQUEST, noVersion.path("error").path("code").asInt());
        JsonNode neither = reply("{\"jsonrpc\":\"2.0\",\"id\":10}");
        assertEquals(10, neither.get("id").asInt());
    }

    @Test
    void requestsBeforeTheSessionIsInitializedAreRefusedExceptPingWhichIsAnswered() throws IOException {
        String call = "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/call\",\"params\":{\"name\":\"list_peers\"}}";
        JsonNode early = reply(call);
        assertEquals(3, early.get("id").asInt());
        assertEquals(RpcOut.INVALID_REQUEST, early.path("error").path("code").asInt());
        assertTrue(early.path("error").path("message").asText().contains("not initialized"), early.toString());
        JsonNode ping = reply("{\"jsonrpc\":\"2.0\",\"id\":\"p\",\"method\":\"ping\"}");
        assertEquals("p", ping.get("id").asText());
        assertTrue(ping.get("result").isObject() && ping.get("result").isEmpty(), ping.toString());

        through(INIT);
        assertEquals(RpcOut.INVALID_REQUEST, reply(call).path("error").path("code").asInt(), "initialize alone is not enough");
        through(INITIALIZED);
        assertEquals(expected(call), JSON.readTree(through(call)));
    }
}
