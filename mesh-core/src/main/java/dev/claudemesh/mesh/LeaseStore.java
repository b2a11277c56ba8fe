package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** The leases' part of the store port (see {@link MeshStore}); written by {@link Claims} only. */
public interface LeaseStore {

    /**
     * In one write transaction: reads the open leases (not ended, whatever their time) of {@code lease.repo()},
     * and stores {@code lease} (one row per glob) with a {@code claimed} line in the log only when {@code mayAdd}
     * accepts what it read. Says whether it stored it.
     */
    boolean addLease(Lease lease, Predicate<List<Lease>> mayAdd);

    /** Leases not ended yet, of {@code repo} or of every repository, oldest first. */
    List<Lease> openLeases(Optional<String> repo);

    /**
     * Ends the globs {@code globs} (all, when empty) of each lease in {@code ids} that are still open, as
     * {@code how} ({@code released}, {@code expired}, {@code session-ended}), logging one line per lease; returns
     * the ids of the leases it ended something of.
     */
    List<String> endLeases(Collection<String> ids, Collection<String> globs, String how, Instant now);

    /** Log lines after {@code afterSeq}, oldest first, at most {@code limit}. */
    List<Lease.Event> leaseEventsAfter(long afterSeq, int limit);
}
