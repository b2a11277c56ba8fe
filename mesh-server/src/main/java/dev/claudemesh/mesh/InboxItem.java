package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.Optional;

/**
 * One thing delivered to a peer: a question, a message, a broadcast, a task, or a task's result. Its id is
 * the question, message or task id it carries (a broadcast's id is shared by all its recipients).
 *
 * @param from       the sender's name, always the sending server's own identity
 * @param topic      for a broadcast to a topic
 * @param taskId     for a task and a task result
 * @param taskStatus for a task result: completed or failed
 */
public record InboxItem(String id, String kind, String from, String body, Instant sentAt,
                        Optional<String> topic, Optional<String> taskId, Optional<String> taskStatus) {
    public static final String QUESTION = "question";
    public static final String MESSAGE = "message";
    public static final String BROADCAST = "broadcast";
    public static final String TASK = "task";
    public static final String TASK_RESULT = "task_result";

    public InboxItem(String id, String kind, String from, String body, Instant sentAt) {
        this(id, kind, from, body, sentAt, Optional.empty(), Optional.empty(), Optional.empty());
    }
}
