package dev.claudemesh.hooks;

import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.PeerText;
import dev.claudemesh.mesh.Question;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** How items from peers are written into the conversation: each framed as untrusted text from a named peer. */
final class HookText {
    /** Claude Code moves context over 10,000 characters to a file; stay well below. */
    static final int BUDGET = 8000;

    private HookText() {
    }

    static String question(Question q) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("from", q.asker());
        attrs.put("question_id", q.id());
        attrs.put("sent_at", q.askedAt().toString());
        return PeerText.frame("question", attrs, q.body());
    }

    static String item(InboxItem i) {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("from", i.from());
        attrs.put(InboxItem.QUESTION.equals(i.kind()) ? "question_id" : "id", i.id());
        attrs.put("sent_at", i.sentAt().toString());
        return PeerText.frame(i.kind(), attrs, i.body());
    }

    static String items(List<InboxItem> items, int stillWaiting) {
        StringBuilder out = new StringBuilder();
        long questions = items.stream().filter(i -> InboxItem.QUESTION.equals(i.kind())).count();
        out.append(items.size() == 1 ? "1 item" : items.size() + " items").append(" from peers in the mesh. ")
                .append(PeerText.NOTICE).append('\n');
        for (InboxItem i : items) {
            out.append(item(i)).append('\n');
        }
        if (questions > 0) {
            out.append("Each asker is blocked until you answer: call reply_to_peer with the question_id and your answer.");
        }
        if (stillWaiting > 0) {
            out.append("\n").append(stillWaiting).append(" more item(s) are waiting: call poll_inbox to read them.");
        }
        return out.toString();
    }
}
