package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.Optional;

/** Work one peer hands to another, and its outcome. */
public record Task(String id, String delegator, String assignee, String description, Optional<String> context,
                   TaskStatus status, Optional<String> result, Instant createdAt, Optional<Instant> completedAt,
                   Optional<Instant> namedAt) {
}
