package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.Optional;

/**
 * An item offered to a recipient and not yet proven seen.
 *
 * @param via        the path that offered it ({@link Inbox#VIA_PROMPT}, {@link Inbox#VIA_CHANNEL}, ...)
 * @param log        where proof that the model saw it would appear (the session's transcript), or empty
 * @param mark       the size of {@code log} when it was offered: proof can only be after that
 * @param acceptedAt when the client accepted it for the model's next turn (a channel event it queued)
 */
public record Offer(String id, String kind, String via, String log, long mark, Instant offeredAt,
                    Optional<Instant> acceptedAt) {
}
