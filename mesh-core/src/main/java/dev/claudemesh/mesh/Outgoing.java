package dev.claudemesh.mesh;

import java.time.Instant;

/**
 * An item on its way into one or more inboxes. Fields that do not apply are null.
 */
public record Outgoing(String id, String kind, String sender, String body, String topic, String taskId,
                       String taskStatus, Instant createdAt) {
}
