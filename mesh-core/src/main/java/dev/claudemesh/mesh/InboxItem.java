package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.Optional;

/**
 * One thing delivered to a peer: a question, the answer to one it asked, a message, a broadcast, a task, or a
 * task's result. Its id is the question, message or task id it carries (a broadcast's id is shared by all its
 * recipients; an answer's is its question's).
 *
 * @param from       the sender's name, always the sending server's own identity
 * @param topic      for a broadcast to a topic
 * @param taskId     for a task and a task result
 * @param taskStatus for a task result: completed or failed
 */
public record InboxItem(String id, String kind, String from, String body, Instant sentAt,
                        Optional<String> topic, Optional<String> taskId, Optional<String> taskStatus) {
    public static final String QUESTION = "question";
    public static final String ANSWER = "answer";
    public static final String MESSAGE = "message";
    public static final String BROADCAST = "broadcast";
    public static final String TASK = "task";
    public static final String TASK_RESULT = "task_result";

    /**
     * What identifies this item to whoever acts on it, in a fixed order: {@code question_id} for a question
     * and for an answer,
     * {@code task_id} for a task, {@code task_id} and {@code status} for a result, and the id under
     * {@code messageKey} (with {@code topic} when there is one) for a message or broadcast.
     */
    public java.util.Map<String, String> references(String messageKey) {
        java.util.Map<String, String> refs = new java.util.LinkedHashMap<>();
        switch (kind) {
            case QUESTION, ANSWER -> refs.put("question_id", id);
            case TASK -> refs.put("task_id", id);
            case TASK_RESULT -> {
                refs.put("task_id", id);
                taskStatus.ifPresent(s -> refs.put("status", s));
            }
            default -> {
                refs.put(messageKey, id);
                topic.ifPresent(t -> refs.put("topic", t));
            }
        }
        return refs;
    }

    public InboxItem(String id, String kind, String from, String body, Instant sentAt) {
        this(id, kind, from, body, sentAt, Optional.empty(), Optional.empty(), Optional.empty());
    }
}
