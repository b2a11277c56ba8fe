package dev.claudemesh.hook;

import dev.claudemesh.mesh.Inbox;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.PeerText;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.Task;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * How items from peers are written into the conversation by hooks: each framed as untrusted text from a named
 * peer, and all of it within what Claude Code gives the model whole.
 */
public final class HookText {
    /**
     * Claude Code keeps only a preview of hook context over 10,000 characters (the rest goes to a file the
     * model never reads), so every hook's whole context, framing and notes included, stays at or under this.
     */
    public static final int LIMIT = 9_500;
    /** What the notes around the items may take: the header, what to do, and how many more wait. */
    static final int NOTES = 1_200;
    /** At most this many items per hook text, however small. */
    public static final int MAX_ITEMS = 50;

    private HookText() {
    }

    public static String question(Question q) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("from", q.asker());
        attrs.put("question_id", q.id());
        attrs.put("sent_at", q.askedAt().toString());
        return PeerText.frame("question", attrs, q.body());
    }

    public static String task(Task t) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("from", t.delegator());
        attrs.put("task_id", t.id());
        attrs.put("sent_at", t.createdAt().toString());
        return PeerText.frame("task", attrs, t.context().map(c -> t.description() + "\n\nContext:\n" + c).orElse(t.description()));
    }

    public static String item(InboxItem i) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("from", i.from());
        attrs.putAll(i.references("id"));
        attrs.put("sent_at", i.sentAt().toString());
        return PeerText.frame(i.kind(), attrs, i.body());
    }

    /**
     * Which of {@code candidates} (oldest first) fit in {@code budget} characters of framed text: taken in
     * order while they fit; one too large for any hook text is left for poll_inbox (and counted), and the rest
     * wait for the next hook.
     */
    public static Function<List<InboxItem>, Inbox.Fitted> fitting(int budget) {
        return candidates -> {
            List<InboxItem> in = new ArrayList<>();
            int used = 0;
            int tooLarge = 0;
            for (InboxItem i : candidates) {
                int len = item(i).length() + 1;
                if (len > budget) {
                    tooLarge++;
                    continue;
                }
                if (used + len > budget || in.size() >= MAX_ITEMS) {
                    break;
                }
                in.add(i);
                used += len;
            }
            return new Inbox.Fitted(in, tooLarge);
        };
    }

    /** {@link #fitting} for a text that starts with {@code header} and ends with {@link #items}' notes. */
    public static Function<List<InboxItem>, Inbox.Fitted> fittingAfter(String header) {
        return fitting(LIMIT - NOTES - header.length());
    }

    /** The items, framed, followed by what to do about them and what else waits. */
    public static String items(Inbox.Batch batch) {
        StringBuilder out = new StringBuilder();
        List<InboxItem> items = batch.items();
        out.append(items.size() == 1 ? "1 item" : items.size() + " items").append(" from peers in the mesh. ")
                .append(PeerText.NOTICE).append('\n');
        for (InboxItem i : items) {
            out.append(item(i)).append('\n');
        }
        out.append(whatToDo(items.stream().anyMatch(i -> InboxItem.QUESTION.equals(i.kind())),
                items.stream().anyMatch(i -> InboxItem.TASK.equals(i.kind()))));
        out.append(more(batch));
        return out.toString().strip();
    }

    /** "N more wait" and "M too long for this note", for whatever a batch left behind. */
    public static String more(Inbox.Batch batch) {
        StringBuilder out = new StringBuilder();
        if (batch.tooLarge() > 0) {
            out.append("\n").append(batch.tooLarge()).append(batch.tooLarge() == 1 ? " item is" : " items are")
                    .append(" too long to show here: call poll_inbox to read ").append(batch.tooLarge() == 1 ? "it." : "them.");
        }
        if (batch.moreWaiting() > 0) {
            out.append("\n").append(batch.moreWaiting()).append(" more item(s) are waiting: they come with your next "
                    + "prompt, or call poll_inbox to read them now.");
        }
        return out.toString();
    }

    public static String whatToDo(boolean questions, boolean tasks) {
        StringBuilder out = new StringBuilder();
        if (questions) {
            out.append("Each asker is waiting for your answer: call reply_to_peer with the question_id and your answer. ");
        }
        if (tasks) {
            out.append("When a task is done (or cannot be done), call complete_task with its task_id, status and result.");
        }
        return out.toString().strip();
    }

    /**
     * Checks that a hook's whole text is within {@link #LIMIT}. The budgets above make sure of it; were they ever
     * wrong, printing nothing is the safe failure (the items offered are not in the transcript, so the next look
     * offers them again), where cutting the text could leave half an item that counts as seen.
     */
    public static String bounded(String text) {
        if (text.length() > LIMIT) {
            throw new IllegalStateException("hook text of " + text.length() + " characters is over the limit of " + LIMIT);
        }
        return text;
    }
}
