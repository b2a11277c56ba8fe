package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.Optional;

/**
 * Where one item stands for one of its recipients, as its sender may see it.
 *
 * @param state one of the constants below: {@code queued} until a reader takes it, {@code offered} once a hook,
 *              {@code poll_inbox} or a channel push handed it to the recipient's session, and for a question or
 *              task how it ended
 * @param at    when it reached that state, when the mesh knows
 */
public record Receipt(String recipient, String state, Optional<Instant> at) {
    public static final String QUEUED = "queued";
    public static final String OFFERED = "offered";
    public static final String ANSWERED = "answered";
}
