package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.Optional;

/**
 * A question from one peer to another and, once it has one, its answer.
 *
 * @param askerProcess the server process that asked and waits; when it dies the question is abandoned
 */
public record Question(String id, String asker, Optional<ProcessRef> askerProcess, String target, String body,
                       QuestionStatus status,
                       Instant askedAt, Instant expiresAt, Optional<String> answer, Optional<Instant> answeredAt,
                       Optional<Instant> namedAt) {
    /** Whether its asker's time has run out by {@code now}: nobody waits for an answer after that. */
    public boolean expiredBy(Instant now) {
        return !now.isBefore(expiresAt);
    }
}
