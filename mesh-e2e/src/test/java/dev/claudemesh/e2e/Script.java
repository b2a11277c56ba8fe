package dev.claudemesh.e2e;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scripted model. Each prompt carries its own script, one directive a line:
 * <pre>
 * CALL ask_peer {"to": "backend", "question": "Which port?"}
 * SAY done
 * </pre>
 * (or on one line, separated by {@code " ;; "}, as an interactive prompt must be).
 * The model makes the prompt's calls in order, one per request (a claude-mesh tool name may be short; Claude
 * Code's own tools, such as {@code Edit}, are capitalised, and any name holding "__" is used as given), then ends the turn with the SAY text. Reactions, tried first on every
 * request, play a model that acts on what it was shown: {@link #answeringQuestions} replies to each peer
 * question it sees, {@link #completingTasks} completes each task. Everything is worked out from the request
 * itself (the conversation so far), so the script keeps no state of its own.
 */
public final class Script implements ModelApi.Model {
    static final String MESH = "mcp__claude-mesh__";
    /** Directives are separated by new lines or by " ;; " (an interactive prompt is one line). */
    private static final Pattern SEPARATOR = Pattern.compile("\\R| ;; ");
    private static final Pattern QUESTION = Pattern.compile("<peer_question from=\"([^\"]+)\" question_id=\"(q_[0-9a-f]+)\"");
    private static final Pattern TASK = Pattern.compile("<peer_task from=\"([^\"]+)\" task_id=\"(t_[0-9a-f]+)\"");

    private final List<Function<ApiRequest, Optional<Reply>>> reactions = new ArrayList<>();

    public static Script directives() {
        return new Script();
    }

    /** Adds a reaction, tried before the prompt's directives on every request. */
    public Script reacting(Function<ApiRequest, Optional<Reply>> reaction) {
        reactions.add(reaction);
        return this;
    }

    /** Replies to every peer question the model is shown and has not replied to yet, with {@code answer}. */
    public Script answeringQuestions(String answer) {
        return reacting(r -> unanswered(r, QUESTION, "reply_to_peer", "question_id")
                .map(id -> Reply.mesh("reply_to_peer", "question_id", id, "answer", answer)));
    }

    /** Completes every peer task the model is shown and has not completed yet, with {@code result}. */
    public Script completingTasks(String result) {
        return reacting(r -> unanswered(r, TASK, "complete_task", "task_id")
                .map(id -> Reply.mesh("complete_task", "task_id", id, "status", "completed", "result", result)));
    }

    /**
     * Reads everything that waits: whenever what it was just shown says more items wait (a hook's note, or a
     * poll_inbox result with more_waiting), it calls poll_inbox, again and again until nothing more waits.
     */
    public Script drainingInbox() {
        return reacting(r -> moreWaiting(r) ? Optional.of(Reply.mesh("poll_inbox")) : Optional.empty());
    }

    /** Whether what {@code r} newly shows the model says more items wait for it. */
    public static boolean moreWaiting(ApiRequest r) {
        String fresh = r.sinceLastAnswer();
        // Whatever came last: Claude Code may add a reminder of its own after a run of tool calls
        // ("silent_turn_reminder"), so the poll_inbox result need not be the newest block.
        return MORE_WAITING.matcher(fresh).find()
                || fresh.contains("more item(s) are waiting") || fresh.contains("too long to show here");
    }

    private static final Pattern MORE_WAITING = Pattern.compile("\"more_waiting\"\\s*:\\s*[1-9]");

    private static Optional<String> unanswered(ApiRequest r, Pattern frame, String tool, String idKey) {
        List<String> done = r.toolCalls().stream().filter(c -> (MESH + tool).equals(c.path("name").asText()))
                .map(c -> c.path("input").path(idKey).asText()).toList();
        Matcher m = frame.matcher(r.shownText());
        while (m.find()) {
            if (!done.contains(m.group(2))) {
                return Optional.of(m.group(2));
            }
        }
        return Optional.empty();
    }

    @Override
    public Reply respond(ApiRequest r) {
        for (Function<ApiRequest, Optional<Reply>> reaction : reactions) {
            Optional<Reply> reply = reaction.apply(r);
            if (reply.isPresent()) {
                return reply.get();
            }
        }
        // The newest user text that holds directives is the prompt being worked on; the calls made since are
        // the assistant tool_use blocks after it.
        JsonNode messages = r.body().path("messages");
        int promptAt = -1;
        List<String[]> directives = List.of();
        for (int i = messages.size() - 1; i >= 0 && promptAt < 0; i--) {
            JsonNode m = messages.get(i);
            if (!"user".equals(m.path("role").asText())) {
                continue;
            }
            List<String[]> found = directivesIn(m.path("content"));
            if (!found.isEmpty()) {
                promptAt = i;
                directives = found;
            }
        }
        int calls = 0;
        for (int i = promptAt + 1; i < messages.size(); i++) {
            for (JsonNode b : messages.get(i).path("content")) {
                if ("assistant".equals(messages.get(i).path("role").asText()) && "tool_use".equals(b.path("type").asText())) {
                    calls++;
                }
            }
        }
        int seenCalls = 0;
        String say = "done";
        for (String[] d : directives) {
            if ("CALL".equals(d[0])) {
                if (seenCalls++ == calls) {
                    return call(d[1]);
                }
            } else {
                say = d[1];
            }
        }
        return Reply.say(say);
    }

    private static Reply call(String spec) {
        int space = spec.indexOf(' ');
        String name = space < 0 ? spec : spec.substring(0, space);
        String args = space < 0 ? "{}" : spec.substring(space + 1);
        try {
            // Claude Code's own tools (Read, Edit, Write...) start with a capital letter; ours are lower-case.
            boolean asGiven = name.contains("__") || Character.isUpperCase(name.charAt(0));
            return Reply.call(asGiven ? name : MESH + name, ModelApi.JSON.readTree(args));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("bad CALL arguments in the script: " + args, e);
        }
    }

    private static List<String[]> directivesIn(JsonNode content) {
        List<String> texts = new ArrayList<>();
        if (content.isTextual()) {
            texts.add(content.asText());
        } else {
            for (JsonNode b : content) {
                if ("text".equals(b.path("type").asText())) {
                    texts.add(b.path("text").asText());
                }
            }
        }
        List<String[]> out = new ArrayList<>();
        for (String t : texts) {
            if (t.startsWith("<")) {
                continue; // system reminders, hook context, channel events: not the person's prompt
            }
            for (String piece : SEPARATOR.split(t)) {
                String d = piece.strip();
                if (d.startsWith("CALL ") || d.startsWith("SAY ")) {
                    int space = d.indexOf(' ');
                    out.add(new String[]{d.substring(0, space), d.substring(space + 1).strip()});
                }
            }
        }
        return out;
    }
}
