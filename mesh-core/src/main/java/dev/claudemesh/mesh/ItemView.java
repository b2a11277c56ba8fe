package dev.claudemesh.mesh;

import java.util.List;
import java.util.Optional;

/**
 * An item as someone watching the whole mesh sees it now: what was sent to whom, where it stands for each
 * recipient and, for a question or a task, where that stands. A question's answer and a task's result belong to
 * it: they are never items of their own here, and their receipts (for the asker, the delegator) are {@code reply}.
 *
 * @param delivery one receipt per recipient, as {@code message_status} shows its sender
 * @param question the question as it stands, for a question
 * @param task     the task as it stands, for a task
 * @param reply    the answer's or the result's receipt for the asker or delegator, once there is one
 */
public record ItemView(SentItem sent, List<ItemStatus.Recipient> delivery, Optional<Question> question,
                       Optional<Task> task, List<ItemStatus.Recipient> reply) {
    public ItemView {
        delivery = List.copyOf(delivery);
        reply = List.copyOf(reply);
    }
}
