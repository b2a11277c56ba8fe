package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.List;

/**
 * A session's claim on paths of one repository, until {@code expiresAt} at most.
 *
 * @param repo      the repository's key ({@link Claims.Repository#key}): a normalised remote URL, or host:root
 * @param holder    the peer name that claimed it
 * @param host      the holder's host
 * @param server    the holder's server process: the lease belongs to that session, not to the name
 * @param exclusive whether others' edits of these paths are stopped (else only noted)
 * @param reason    why, in the holder's words (peer text)
 * @param globs     normalised globs relative to the repository root ({@link PathGlob})
 */
public record Lease(String id, String repo, String holder, String host, ProcessRef server, boolean exclusive,
                    String reason, Instant claimedAt, Instant expiresAt, List<String> globs) {

    public Lease {
        globs = List.copyOf(globs);
    }

    /** The same lease holding only {@code these} of its globs. */
    public Lease with(List<String> these) {
        return new Lease(id, repo, holder, host, server, exclusive, reason, claimedAt, expiresAt, these);
    }

    /** One line of the leases' history, for tail: {@code claimed}, {@code released}, {@code expired}, {@code session-ended}. */
    public record Event(long seq, String leaseId, String holder, String event, String globs, Instant at) {
    }
}
