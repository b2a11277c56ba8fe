package dev.claudemesh.hook;

import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.PeerText;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.Task;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How items from peers are written into the conversation: each framed as untrusted text from a named peer. */
public final class HookText {
    /** Claude Code moves context over 10,000 characters to a file; stay well below. */
    public static final int BUDGET = 8000;

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

    /** The items, framed, followed by what to do about them. */
    public static String items(List<InboxItem> items, int stillWaiting) {
        StringBuilder out = new StringBuilder();
        out.append(items.size() == 1 ? "1 item" : items.size() + " items").append(" from peers in the mesh. ")
                .append(PeerText.NOTICE).append('\n');
        for (InboxItem i : items) {
            out.append(item(i)).append('\n');
        }
        out.append(whatToDo(items.stream().anyMatch(i -> InboxItem.QUESTION.equals(i.kind())),
                items.stream().anyMatch(i -> InboxItem.TASK.equals(i.kind()))));
        if (stillWaiting > 0) {
            out.append("\n").append(stillWaiting).append(" more item(s) are waiting: call poll_inbox to read them.");
        }
        return out.toString().strip();
    }

    public static String whatToDo(boolean questions, boolean tasks) {
        StringBuilder out = new StringBuilder();
        if (questions) {
            out.append("Each asker is blocked until you answer: call reply_to_peer with the question_id and your answer. ");
        }
        if (tasks) {
            out.append("When a task is done (or cannot be done), call complete_task with its task_id, status and result.");
        }
        return out.toString().strip();
    }

    /** Frames as many of {@code framed} as fit in {@code budget}, then says how many were left out. */
    public static void appendWithin(StringBuilder out, List<String> framed, int budget) {
        int left = budget;
        for (int i = 0; i < framed.size(); i++) {
            String f = framed.get(i);
            if (f.length() > left && i > 0) {
                out.append("(").append(framed.size() - i).append(" more are waiting: call poll_inbox or list_tasks)\n");
                return;
            }
            out.append(f).append('\n');
            left -= f.length();
        }
    }
}
