package dev.claudemesh.reliability;

import com.fasterxml.jackson.databind.JsonNode;
import dev.claudemesh.testing.MeshFixture;
import dev.claudemesh.testing.RawServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a real server answers to input that is not a well-formed JSON-RPC message: the error JSON-RPC 2.0 names,
 * with the request's id when it can be read, and it goes on serving. Nothing such input carries is stored.
 */
class JsonRpcInputIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;

    @BeforeEach
    void setUp() throws Exception {
        mesh = new MeshFixture(tmp);
        mesh.server(mesh.project("backend"));
    }

    @AfterEach
    void tearDown() {
        mesh.close();
    }

    @Test
    void overLongLinesGetAnErrorWithTheirIdAndTheServerKeepsServing() throws Exception {
        try (RawServer front = RawServer.started(mesh.env(mesh.project("frontend")))) {
            // 6 MB of text in a tell_peer, the id last as the TypeScript SDK writes it; then 12 MB that is not JSON.
            String big = "a".repeat(6 * 1024 * 1024);
            front.send("{\"method\":\"tools/call\",\"params\":{\"name\":\"tell_peer\",\"arguments\":{\"to\":\"backend\","
                    + "\"message\":\"" + big + "\"}},\"jsonrpc\":\"2.0\",\"id\":\"huge-1\"}");
            sendRaw(front, "x".repeat(12 * 1024 * 1024) + "\n");
            JsonNode r = front.response("huge-1", 60);
            assertEquals(-32600, r.path("error").path("code").asInt(), r.toString());
            assertTrue(r.path("error").path("message").asText().contains("4194304 bytes"), r.toString());

            JsonNode peers = front.call("list_peers", Map.of(), 60);
            assertFalse(peers.path("isError").asBoolean(), "still serving: " + peers);
            assertTrue(front.process.isAlive());
            assertTrue(front.stdoutLines.stream().anyMatch(l -> l.contains("\"id\":null") && l.contains("-32600")),
                    "the non-JSON line is answered too: " + front.stdoutLines);
            assertEquals("0", mesh.row("SELECT count(*) FROM inbox"), "nothing was sent");
        }
    }

    @Test
    void invalidUtf8ABatchAnObjectIdAndACallBeforeInitializationEachGetTheErrorTheSpecNames() throws Exception {
        try (RawServer front = new RawServer(mesh.env(mesh.project("frontend")))) {
            front.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"list_peers\",\"arguments\":{}}}");
            JsonNode early = response(front, "1");
            assertEquals(-32600, early.path("error").path("code").asInt(), early.toString());
            assertTrue(early.path("error").path("message").asText().contains("not initialized"), early.toString());

            RawServer.initialized(front);
            byte[] head = "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"tools/call\",\"params\":{\"name\":\"tell_peer\",\"arguments\":{\"to\":\"backend\",\"message\":\"caf"
                    .getBytes(StandardCharsets.UTF_8);
            byte[] tail = "\"}}}\n".getBytes(StandardCharsets.UTF_8);
            byte[] line = new byte[head.length + 1 + tail.length];
            System.arraycopy(head, 0, line, 0, head.length);
            line[head.length] = (byte) 0xe9; // Latin-1 é: not UTF-8
            System.arraycopy(tail, 0, line, head.length + 1, tail.length);
            sendRaw(front, line);
            JsonNode utf8 = response(front, "2");
            assertEquals(-32700, utf8.path("error").path("code").asInt(), utf8.toString());
            assertTrue(utf8.path("error").path("message").asText().contains("UTF-8"), utf8.toString());

            front.send("[{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"},{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"tools/list\"}]");
            front.send("{\"jsonrpc\":\"2.0\",\"id\":{\"n\":5},\"method\":\"tools/list\"}");
            JsonNode batch = arrayReply(front);
            assertEquals(List.of(3, 4), List.of(batch.get(0).get("id").asInt(), batch.get(1).get("id").asInt()));
            batch.forEach(e -> assertEquals(-32600, e.path("error").path("code").asInt()));
            assertTrue(front.stdoutLines.stream().anyMatch(l -> l.contains("\"id\":null") && l.contains("-32600")
                    && l.contains("string or a number")), "the object id is refused: " + front.stdoutLines);

            assertFalse(front.call("list_peers", Map.of(), 20).path("isError").asBoolean(), "still serving");
            assertEquals("0", mesh.row("SELECT count(*) FROM inbox"));
        }
    }

    @Test
    void aLoneSurrogateInAnArgumentIsRefusedNamingItAndNothingIsStored() throws Exception {
        try (RawServer front = RawServer.started(mesh.env(mesh.project("frontend")))) {
            front.send("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"name\":\"tell_peer\","
                    + "\"arguments\":{\"to\":\"backend\",\"message\":\"broken \\ud83d emoji\"}}}");
            JsonNode r = front.response(7, 20).path("result");
            assertTrue(r.path("isError").asBoolean(), r.toString());
            String text = r.path("content").get(0).path("text").asText();
            assertTrue(text.contains("'message'") && text.contains("surrogate") && text.contains("D83D"), text);
            assertEquals("0", mesh.row("SELECT count(*) FROM inbox"), "nothing stored, not even as '?'");

            // A proper pair is text like any other.
            assertFalse(front.call("tell_peer", Map.of("to", "backend", "message", "fine \ud83d\ude00"), 20).path("isError").asBoolean());
            assertEquals("fine \ud83d\ude00", mesh.row("SELECT body FROM inbox"));
        }
    }

    // ------------------------------------------------------------------ helpers

    static void sendRaw(RawServer s, String text) throws Exception {
        sendRaw(s, text.getBytes(StandardCharsets.UTF_8));
    }

    static void sendRaw(RawServer s, byte[] bytes) throws Exception {
        synchronized (s) {
            OutputStream in = s.process.getOutputStream();
            in.write(bytes);
            in.flush();
        }
    }

    /** The response whose id is {@code id}, read from what the server printed. */
    static JsonNode response(RawServer s, String id) throws Exception {
        for (int i = 0; i < 1000; i++) {
            for (String l : s.stdoutLines) {
                JsonNode n = MeshFixture.JSON.readTree(l);
                if (n.isObject() && n.has("id") && n.get("id").asText().equals(id) && (n.has("error") || n.has("result"))) {
                    return n;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no response to " + id + "; stdout: " + s.stdoutLines + "; stderr: " + s.stderrLines);
    }

    static JsonNode arrayReply(RawServer s) throws Exception {
        for (int i = 0; i < 1000; i++) {
            for (String l : s.stdoutLines) {
                if (l.startsWith("[")) {
                    return MeshFixture.JSON.readTree(l);
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no reply to the batch; stdout: " + s.stdoutLines);
    }

}
