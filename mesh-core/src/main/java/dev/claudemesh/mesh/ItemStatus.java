package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where one item stands, for each of its recipients: what {@code message_status} and {@code claude-mesh
 * status ID} show its sender.
 */
public record ItemStatus(String id, String kind, String sender, List<Recipient> recipients) {

    /**
     * One recipient's receipt.
     *
     * @param state  queued, offered, seen, withdrawn; and for a question or task that ended, how it ended
     *               (answered, expired, cancelled, abandoned; completed, failed)
     * @param endedAt when the question was answered or the task ended
     */
    public record Recipient(String name, String state, Instant queuedAt, Optional<Instant> offeredAt,
                            Optional<String> offeredVia, Optional<Instant> seenAt, Optional<String> seenVia,
                            Optional<Instant> endedAt) {
    }
}
