package dev.claudemesh.mesh;

import java.util.List;

/**
 * What the Stop hook decides: let the session go idle, or keep it working on questions and tasks that wait on
 * it.
 *
 * @param shown       questions and tasks offered with this stop (their text goes to the model now)
 * @param stillOpen   questions shown before and still waiting for an answer (named by id)
 * @param stillPending tasks shown before and still pending (named by id)
 */
public record StopVerdict(boolean block, Inbox.Batch shown, List<Question> stillOpen, List<Task> stillPending) {
    public static final StopVerdict ALLOW = new StopVerdict(false, new Inbox.Batch(List.of(), 0, 0), List.of(), List.of());

    /** Every question this stop names, shown now or earlier, in that order. */
    public List<String> questionIds() {
        List<String> out = new java.util.ArrayList<>(shown.items().stream().filter(i -> InboxItem.QUESTION.equals(i.kind()))
                .map(InboxItem::id).toList());
        stillOpen.forEach(q -> out.add(q.id()));
        return out;
    }

    /** Every task this stop names, shown now or earlier, in that order. */
    public List<String> taskIds() {
        List<String> out = new java.util.ArrayList<>(shown.items().stream().filter(i -> InboxItem.TASK.equals(i.kind()))
                .map(InboxItem::id).toList());
        stillPending.forEach(t -> out.add(t.id()));
        return out;
    }
}
