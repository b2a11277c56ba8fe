package dev.claudemesh.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One Messages request Claude Code sent: the proof of what the model was shown at that moment. Claude Code
 * sends the whole conversation each time, so the newest request holds everything the model has seen so far.
 *
 * @param nanos     when it arrived ({@link System#nanoTime()}), for figures
 * @param epochMs   when it arrived, wall clock
 * @param sessionId Claude Code's {@code X-Claude-Code-Session-Id}
 */
public record ApiRequest(long nanos, long epochMs, JsonNode body, String sessionId) {

    /** A request of the main loop: it offers the session's tools (side requests, such as titles, do not). */
    public boolean mainLoop() {
        return body.path("tools").isArray() && !body.path("tools").isEmpty();
    }

    /**
     * Every piece of text the model is shown, one entry per content block: the system prompt's blocks, then
     * each message's text, tool results and (for user and system messages) anything else textual. The
     * model's own output (assistant blocks) is left out, so an id counted here is one the session was given.
     */
    public List<String> shown() {
        List<String> out = new ArrayList<>();
        JsonNode system = body.path("system");
        if (system.isTextual()) {
            out.add(system.asText());
        } else {
            for (JsonNode b : system) {
                out.add(b.path("text").asText(""));
            }
        }
        for (JsonNode m : body.path("messages")) {
            if ("assistant".equals(m.path("role").asText())) {
                continue;
            }
            collect(m.path("content"), out);
        }
        return out;
    }

    private static void collect(JsonNode content, List<String> out) {
        if (content.isTextual()) {
            out.add(content.asText());
            return;
        }
        for (JsonNode b : content) {
            switch (b.path("type").asText()) {
                case "text" -> out.add(b.path("text").asText(""));
                case "tool_result" -> {
                    List<String> inner = new ArrayList<>();
                    collect(b.path("content"), inner);
                    out.add(String.join("\n", inner));
                }
                default -> {
                    if (b.has("text")) {
                        out.add(b.path("text").asText());
                    }
                }
            }
        }
    }

    /** Everything the model is shown, as one text. */
    public String shownText() {
        return String.join("\n", shown());
    }

    /** How many separate content blocks shown to the model contain {@code needle}: 1 means it was shown once. */
    public long timesShown(String needle) {
        return shown().stream().filter(s -> s.contains(needle)).count();
    }

    /** The tool calls the model made so far in this conversation, oldest first. */
    public List<JsonNode> toolCalls() {
        List<JsonNode> calls = new ArrayList<>();
        for (JsonNode m : body.path("messages")) {
            if ("assistant".equals(m.path("role").asText())) {
                for (JsonNode b : m.path("content")) {
                    if ("tool_use".equals(b.path("type").asText())) {
                        calls.add(b);
                    }
                }
            }
        }
        return calls;
    }

    /** The result the model was given for tool call {@code toolUseId}, as text, if it came back. */
    public Optional<String> toolResult(String toolUseId) {
        for (JsonNode m : body.path("messages")) {
            for (JsonNode b : m.path("content")) {
                if ("tool_result".equals(b.path("type").asText()) && toolUseId.equals(b.path("tool_use_id").asText())) {
                    List<String> inner = new ArrayList<>();
                    collect(b.path("content"), inner);
                    return Optional.of(String.join("\n", inner));
                }
            }
        }
        return Optional.empty();
    }

    /** The newest message's role and whether it carries a tool result (the model is answering a tool). */
    public boolean answersTool() {
        JsonNode msgs = body.path("messages");
        if (msgs.isEmpty()) {
            return false;
        }
        JsonNode last = msgs.get(msgs.size() - 1);
        for (JsonNode b : last.path("content")) {
            if ("tool_result".equals(b.path("type").asText())) {
                return true;
            }
        }
        return false;
    }

    /** What the model is shown that is new since its last answer: the messages after the last assistant one. */
    public String sinceLastAnswer() {
        JsonNode msgs = body.path("messages");
        int from = 0;
        for (int i = 0; i < msgs.size(); i++) {
            if ("assistant".equals(msgs.get(i).path("role").asText())) {
                from = i + 1;
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = from; i < msgs.size(); i++) {
            collect(msgs.get(i).path("content"), out);
        }
        return String.join("\n", out);
    }

    /** The name of the model's newest tool call, when the newest message answers it. */
    public Optional<String> answeredTool() {
        if (!answersTool()) {
            return Optional.empty();
        }
        List<JsonNode> calls = toolCalls();
        return calls.isEmpty() ? Optional.empty() : Optional.of(calls.get(calls.size() - 1).path("name").asText());
    }

    /** The texts of the user messages, oldest first (prompts, hook feedback, channel events...). */
    public List<String> userTexts() {
        List<String> out = new ArrayList<>();
        for (JsonNode m : body.path("messages")) {
            if ("user".equals(m.path("role").asText())) {
                List<String> parts = new ArrayList<>();
                collect(m.path("content"), parts);
                out.add(String.join("\n", parts));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "request at " + epochMs + " with " + body.path("messages").size() + " messages";
    }
}
