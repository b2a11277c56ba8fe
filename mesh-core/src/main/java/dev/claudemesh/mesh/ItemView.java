package dev.claudemesh.mesh;

import java.util.Optional;

/**
 * An item as someone watching the whole mesh sees it now: what was sent to whom and, for a question or a task,
 * where that stands (its answer, its result). A task's result belongs to its task: it is never an item of its
 * own here.
 *
 * @param question the question as it stands, for a question
 * @param task     the task as it stands, for a task
 */
public record ItemView(SentItem sent, Optional<Question> question, Optional<Task> task) {
}
