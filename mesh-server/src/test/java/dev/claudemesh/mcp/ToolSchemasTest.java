package dev.claudemesh.mcp;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.AnswerWaits;
import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Processes;
import dev.claudemesh.store.SqliteStore;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The server's own argument check must reach the SDK validator's verdict on every tool's real input schema:
 * for valid arguments and for each way of getting one argument wrong.
 */
class ToolSchemasTest {
    @TempDir
    Path tmp;
    SqliteStore store;
    List<Tool> tools;
    ToolSchemas schemas;

    @BeforeEach
    void setUp() throws Exception {
        store = SqliteStore.open(tmp.resolve("mesh.db"));
        Mesh mesh = new Mesh(store, Processes.LOCAL, Clock.systemUTC(), "here", 8000);
        Path project = Files.createDirectories(tmp.resolve("project"));
        tools = new MeshTools(mesh, new AnswerWaits(mesh, ChangeWatch.on(store, 50)), Duration.ofSeconds(110),
                ProjectIdentity.of(project), new AtomicReference<>("me"), new InFlight()).all().stream()
                .map(t -> t.tool()).toList();
        schemas = new ToolSchemas(tools);
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void everyToolsInputSchemaIsCheckedByTheServerItself() {
        for (Tool t : tools) {
            assertTrue(ToolSchemas.simple(t.inputSchema()), t.name() + " uses a keyword the server's check does not know");
        }
    }

    @Test
    void theServersVerdictIsTheSdkValidatorsForEveryToolAndEveryKindOfMistake() {
        int cases = 0;
        for (Tool t : tools) {
            Map<String, Object> schema = t.inputSchema();
            for (Map<String, Object> args : variants(schema)) {
                boolean sdk = schemas.validateAsTheSdkWould(schema, args).valid();
                String ours = ToolSchemas.problem(schema, args, null);
                assertEquals(sdk, ours == null, t.name() + " " + args + ": the SDK says " + (sdk ? "valid" : "invalid")
                        + ", the server says " + (ours == null ? "valid" : ours));
                assertEquals(sdk, schemas.validate(schema, args).valid(), t.name() + " " + args);
                cases++;
            }
        }
        assertTrue(cases > 100, "only " + cases + " cases");
    }

    @Test
    void mistakesAreNamed() {
        Map<String, Object> ask = tools.stream().filter(t -> t.name().equals("ask_peer")).findFirst().orElseThrow()
                .inputSchema();
        assertEquals("unknown argument 'mesage'; this tool takes to, question, timeout_seconds",
                ToolSchemas.problem(ask, Map.of("to", "a", "question", "b", "mesage", "c"), null));
        assertEquals("missing required argument 'question'", ToolSchemas.problem(ask, Map.of("to", "a"), null));
        assertEquals("argument 'timeout_seconds' must be a whole number, got \"10\"",
                ToolSchemas.problem(ask, Map.of("to", "a", "question", "b", "timeout_seconds", "10"), null));
        assertEquals("argument 'timeout_seconds' must be at most 3600, got 3601",
                ToolSchemas.problem(ask, Map.of("to", "a", "question", "b", "timeout_seconds", 3601), null));
        assertNull(ToolSchemas.problem(ask, Map.of("to", "a", "question", "b", "timeout_seconds", 60.0), null));
    }

    /** Valid arguments, then one mistake at a time: each missing required one, each wrong type or value, an extra. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> variants(Map<String, Object> schema) {
        Map<String, Object> props = (Map<String, Object>) schema.getOrDefault("properties", Map.of());
        List<Object> required = (List<Object>) schema.getOrDefault("required", List.of());
        Map<String, Object> all = new LinkedHashMap<>();
        props.forEach((k, v) -> all.put(k, good((Map<String, Object>) v)));
        Map<String, Object> minimal = new LinkedHashMap<>(all);
        minimal.keySet().retainAll(required);

        List<Map<String, Object>> out = new ArrayList<>(List.of(all, minimal));
        for (Object r : required) {
            Map<String, Object> m = new LinkedHashMap<>(all);
            m.remove(r);
            out.add(m);
        }
        props.forEach((k, v) -> {
            for (Object bad : bad((Map<String, Object>) v)) {
                Map<String, Object> m = new LinkedHashMap<>(all);
                m.put(k, bad);
                out.add(m);
            }
        });
        Map<String, Object> extra = new LinkedHashMap<>(all);
        extra.put("bogus", "x");
        out.add(extra);
        out.add(Map.of());
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object good(Map<String, Object> s) {
        if (s.get("enum") instanceof List<?> e) {
            return e.get(0);
        }
        return switch (String.valueOf(s.get("type"))) {
            case "integer" -> s.get("minimum") instanceof Number n ? n.longValue() + 1 : 5;
            case "number" -> 2.5;
            case "boolean" -> true;
            case "array" -> List.of(good((Map<String, Object>) s.getOrDefault("items", Map.of("type", "string"))));
            case "object" -> Map.of();
            default -> "text";
        };
    }

    @SuppressWarnings("unchecked")
    private static List<Object> bad(Map<String, Object> s) {
        List<Object> out = new ArrayList<>();
        out.add(Map.of("not", "this"));
        out.add(true);
        out.add(42);
        out.add("42");
        out.add(1.5);
        out.add(List.of("a"));
        out.add(List.of(7));
        out.add(null);
        if (s.get("enum") != null) {
            out.add("none-of-these");
        }
        if (s.get("minimum") instanceof Number n) {
            out.add(n.longValue() - 1);
        }
        if (s.get("maximum") instanceof Number n) {
            out.add(n.longValue() + 1);
            out.add(n.longValue());
        }
        return out;
    }
}
