package dev.claudemesh.hook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/** The two JSON shapes our hooks print: added context, and a Stop block. */
public final class HookOutput {
    private static final JsonFactory JSON = new JsonFactory();

    private HookOutput() {
    }

    /** {@code {"hookSpecificOutput":{"hookEventName":EVENT,"additionalContext":TEXT}}} */
    public static String context(String event, String text) {
        return write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("hookSpecificOutput");
            g.writeStringField("hookEventName", event);
            g.writeStringField("additionalContext", text);
            g.writeEndObject();
            g.writeEndObject();
        });
    }

    /** {@code {"decision":"block","reason":TEXT}} */
    public static String block(String reason) {
        return write(g -> {
            g.writeStartObject();
            g.writeStringField("decision", "block");
            g.writeStringField("reason", reason);
            g.writeEndObject();
        });
    }

    private interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    private static String write(Body body) {
        StringWriter w = new StringWriter();
        try (JsonGenerator g = JSON.createGenerator(w)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return w.toString();
    }
}
