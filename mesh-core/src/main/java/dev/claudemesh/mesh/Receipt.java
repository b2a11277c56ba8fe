package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.Optional;

/**
 * Where one item stands for one recipient, for its sender to read (message_status, the CLI, tail).
 *
 * @param state     queued, offered or seen (see {@link Inbox})
 * @param offeredVia the path that last offered it, when it was offered
 * @param seenVia   how it was proven seen: the transcript (hook context, a channel event) or a tool result
 */
public record Receipt(String id, String kind, String sender, String recipient, String state, Instant queuedAt,
                      Optional<Instant> offeredAt, Optional<String> offeredVia, Optional<Instant> seenAt,
                      Optional<String> seenVia) {

    /** One state change, in the order they happened. */
    public record Change(long seq, String id, String recipient, String state, Optional<String> via, Instant at) {
    }
}
