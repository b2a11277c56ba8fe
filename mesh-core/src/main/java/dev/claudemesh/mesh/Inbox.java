package dev.claudemesh.mesh;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The one owner of delivery state. For each item and recipient: <em>queued</em>, then <em>offered</em> by
 * one path (a hook's text, a channel event) with where the proof will appear, then <em>seen</em> once that
 * proof is there: Claude Code's transcript shows the item as something its model was given, or a tool result
 * carrying it went back to a live session. An offer that turns out not to have reached the model goes back
 * to queued and the next path offers it again, so an item is never lost and, once seen, never shown again.
 *
 * <p>Every change is one compare-and-set in the store ({@link MeshStore#offer}, {@link MeshStore#markSeen},
 * {@link MeshStore#release}, {@link MeshStore#accept}); nothing else calls those (the build holds it).
 *
 * <p>When an offer counts as failed (released): a hook's text (or a tool result) that is not in the transcript
 * although the model has answered since (Claude Code records hook context with the request that carries it,
 * so an answer after the offer without it means it never got there), or when the next session with the name
 * looks (its transcript is another file); a channel event Claude Code did not accept within
 * {@link #CHANNEL_VERDICT} (it records an accepted one at once), or accepted but never shown because its
 * session ended first. An offer whose session died waits, offered, for the next session with the name.
 */
public final class Inbox {
    public static final String VIA_SESSION_START = "session-start";
    public static final String VIA_PROMPT = "prompt";
    public static final String VIA_STOP = "stop";
    public static final String VIA_TOOL_USE = "tool-use";
    public static final String VIA_CHANNEL = "channel";
    public static final String VIA_WAKE = "wake";
    /** Tool results: {@code poll_inbox}, an {@code ask_peer} that returns its answer. */
    public static final String VIA_TOOL_RESULT = "tool-result";
    /** Proof found in the session's transcript. */
    public static final String SEEN_IN_TRANSCRIPT = "transcript";

    /**
     * How long Claude Code may take to accept a channel event before the push counts as refused. It records an
     * accepted one at once, but its transcript reaches the file a moment later, more than 2 s on a loaded machine.
     */
    public static final Duration CHANNEL_VERDICT = Duration.ofSeconds(5);
    /** At most this many open offers are looked at per reconciliation; the rest wait for the next. */
    static final int MAX_OPEN = 500;
    /** "N more wait" counts up to this many (an index scan, only that long when that many wait). */
    public static final int COUNT_CAP = 100_000;

    private final MeshStore store;
    private final SeenLog seenLog;
    private final Clock clock;

    public Inbox(MeshStore store, SeenLog seenLog, Clock clock) {
        this.store = store;
        this.seenLog = seenLog;
        this.clock = clock;
    }

    /**
     * What a reconciliation did.
     *
     * @param channelRefused  channel offers Claude Code never accepted: the session's channel is refused
     * @param channelPending  channel offers still waiting for Claude Code's verdict
     * @param channelAccepted channel offers Claude Code accepted since the last look: the channel works
     */
    public record Reconciled(List<String> seen, List<String> released, List<String> channelRefused,
                             List<String> channelPending, List<String> channelAccepted) {
        static final Reconciled NONE = new Reconciled(List.of(), List.of(), List.of(), List.of(), List.of());
    }

    /**
     * Brings {@code recipient}'s open offers up to date with their proof, as looked at from the session whose
     * transcript is {@code currentLog} (empty when the caller is outside any session's transcript): proven
     * ones become seen, failed ones queued again.
     */
    public Reconciled reconcile(String recipient, Optional<String> currentLog) {
        List<Offer> open = store.openOffers(recipient, MAX_OPEN);
        if (open.isEmpty()) {
            return Reconciled.NONE;
        }
        Instant now = clock.instant();
        Map<String, List<Offer>> byLog = new LinkedHashMap<>();
        for (Offer o : open) {
            byLog.computeIfAbsent(o.log() == null ? "" : o.log(), k -> new ArrayList<>()).add(o);
        }
        List<String> seen = new ArrayList<>();
        List<String> released = new ArrayList<>();
        List<String> refused = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        List<String> accepted = new ArrayList<>();
        for (Map.Entry<String, List<Offer>> e : byLog.entrySet()) {
            String log = e.getKey();
            List<Offer> offers = e.getValue();
            long from = offers.stream().mapToLong(Offer::mark).min().orElse(0);
            Set<String> ids = new HashSet<>();
            offers.forEach(o -> ids.add(o.id()));
            SeenLog.Scan scan = log.isEmpty() ? new SeenLog.Scan(from, Set.of(), Set.of(), -1, -1) : seenLog.scan(log, from, ids);
            boolean sameSession = currentLog.isPresent() && currentLog.get().equals(log);
            for (Offer o : offers) {
                if (scan.seen().contains(o.id())) {
                    seen.add(o.id());
                } else if (VIA_CHANNEL.equals(o.via()) || VIA_WAKE.equals(o.via())) {
                    // Both reach the model as something Claude Code queues for the next turn: a channel event, or
                    // what an asyncRewake hook printed when it woke the session.
                    boolean acceptedNow = scan.enqueued().contains(o.id());
                    if (acceptedNow && o.acceptedAt().isEmpty()) {
                        accepted.add(o.id());
                    }
                    if (acceptedNow || o.acceptedAt().isPresent()) {
                        if (!sameSession && currentLog.isPresent()) {
                            released.add(o.id()); // accepted, but its session ended before the model's turn
                        }
                    } else if (!o.offeredAt().plus(CHANNEL_VERDICT).isAfter(now)) {
                        (VIA_CHANNEL.equals(o.via()) ? refused : released).add(o.id());
                    } else {
                        pending.add(o.id());
                    }
                } else if (!sameSession && currentLog.isPresent() || answeredSince(scan, o)) {
                    // Another session with this name is looking (the one offered to is over), or the model has
                    // answered since the offer without having been shown it.
                    released.add(o.id());
                }
            }
        }
        List<String> seenNow = store.markSeen(recipient, seen, SEEN_IN_TRANSCRIPT, now);
        store.accept(recipient, accepted, now);
        List<String> releasedNow = store.release(recipient, released, now);
        List<String> refusedNow = store.release(recipient, refused, now);
        return new Reconciled(seenNow, releasedNow, refusedNow, pending,
                accepted.stream().filter(id -> byLog.values().stream().flatMap(List::stream)
                        .anyMatch(o -> o.id().equals(id) && VIA_CHANNEL.equals(o.via()))).toList());
    }

    /**
     * Whether the model answered after {@code o} was offered. By the answer's own time when the log gives it:
     * Claude Code writes the message that called a tool after the tool ran, so an answer placed after the offer's
     * mark may be the very call that made the offer (poll_inbox) or ran before the hook. Without a time, by place.
     */
    private static boolean answeredSince(SeenLog.Scan scan, Offer o) {
        if (scan.lastAnswerAt() >= 0) {
            return scan.lastAnswerAt() > o.offeredAt().toEpochMilli();
        }
        return scan.lastAnswer() >= 0 && scan.lastAnswer() >= o.mark();
    }

    /**
     * What one path took: the items it offered, how many it left queued because they did not fit its budget
     * ({@code tooLarge} of them could never fit: poll_inbox returns those), and whether more wait beyond.
     */
    public record Batch(List<InboxItem> items, int tooLarge, int moreWaiting) {
        public boolean isEmpty() {
            return items.isEmpty();
        }
    }

    /**
     * The path renders first, then offers exactly what it rendered. {@code fit} gets the oldest queued items
     * (at most {@code maxItems}) and returns those its text holds; they are offered, and any that another reader
     * took meanwhile are left out of the batch (the caller renders the batch it gets, which is never longer).
     *
     * @param log   where proof will appear (the session's transcript), empty if none is known
     * @param kinds the kinds of item to offer (Stop offers questions and tasks only), all when empty
     */
    public Batch offerNext(String recipient, String via, Optional<String> log, Collection<String> kinds, int maxItems,
                           Function<List<InboxItem>, Fitted> fit) {
        List<InboxItem> candidates = store.offerable(recipient, kinds, maxItems);
        if (candidates.isEmpty()) {
            return new Batch(List.of(), 0, 0);
        }
        Fitted fitted = fit.apply(candidates);
        long mark = log.map(seenLog::end).orElse(0L);
        List<String> won = store.offer(recipient, fitted.items().stream().map(InboxItem::id).toList(), via,
                log.orElse(null), mark, clock.instant());
        List<InboxItem> offered = fitted.items().stream().filter(i -> won.contains(i.id())).toList();
        int more = store.unseenCount(recipient, COUNT_CAP) - offered.size();
        return new Batch(offered, fitted.tooLarge(), Math.max(0, more - fitted.tooLarge()));
    }

    /** What a path's text can hold out of the items it was given, and how many it had to leave out for size alone. */
    public record Fitted(List<InboxItem> items, int tooLarge) {
    }

    /**
     * Items handed over in a tool result to the live session that asked (poll_inbox). Takes the oldest queued
     * items, at most {@code maxItems} and about {@code maxChars} of bodies (always one, when one waits), and says
     * how many more wait. With the session's transcript known they are offered, and seen once the transcript
     * records the result (Claude Code records it before the model's next request); without one, the result going
     * back to the live session is all the proof there is, so they are seen at once.
     */
    public Batch handOver(String recipient, Optional<String> log, int maxItems, int maxChars) {
        List<InboxItem> candidates = store.offerable(recipient, List.of(), maxItems);
        List<InboxItem> taken = new ArrayList<>();
        long chars = 0;
        for (InboxItem i : candidates) {
            chars += i.body().length();
            if (!taken.isEmpty() && chars > maxChars) {
                break;
            }
            taken.add(i);
        }
        List<String> ids = taken.stream().map(InboxItem::id).toList();
        Instant now = clock.instant();
        List<String> won = log.isPresent()
                ? store.offer(recipient, ids, VIA_TOOL_RESULT, log.get(), seenLog.end(log.get()), now)
                : store.markSeen(recipient, ids, VIA_TOOL_RESULT, now);
        List<InboxItem> handed = taken.stream().filter(i -> won.contains(i.id())).toList();
        int more = store.unseenCount(recipient, COUNT_CAP) - (log.isPresent() ? handed.size() : 0);
        return new Batch(handed, 0, Math.max(0, more));
    }

    /**
     * Offers exactly these items (those still queued) through {@code via}: a path that shows particular items
     * whatever their place in the inbox (SessionStart shows open questions and tasks first). Returns the ids it
     * offered.
     */
    public List<String> offer(String recipient, Collection<String> ids, String via, Optional<String> log) {
        return store.offer(recipient, ids, via, log.orElse(null), log.map(seenLog::end).orElse(0L), clock.instant());
    }

    /** Items the session's model got in a tool result some other way (an ask that returned its answer): seen. */
    public List<String> seenInToolResult(String recipient, Collection<String> ids) {
        return store.markSeen(recipient, ids, VIA_TOOL_RESULT, clock.instant());
    }

    /** A path that offered these items learned they never went out (the hook died before printing them): queued again. */
    public List<String> notDelivered(String recipient, Collection<String> ids) {
        return store.release(recipient, ids, clock.instant());
    }

    /** Whether an item waits to be offered (queued): what a session's wake hook waits for. */
    public boolean hasQueued(String recipient) {
        return !store.offerable(recipient, List.of(), 1).isEmpty();
    }

    /** How many of the recipient's items are not seen yet, counting at most {@code cap}. */
    public int unseen(String recipient, int cap) {
        return store.unseenCount(recipient, cap);
    }

    /** The receipts of item {@code id}, one per recipient. */
    public List<Receipt> receipts(String id) {
        return store.receipts(id);
    }

    /** Every state change after {@code afterSeq}, oldest first. */
    public List<Receipt.Change> changesAfter(long afterSeq, int limit) {
        return store.receiptsAfter(afterSeq, limit);
    }

    /** Ids whose offer through {@code via} is open, by id: which items a channel push is still waiting on. */
    public Map<String, Offer> openOffers(String recipient) {
        Map<String, Offer> out = new HashMap<>();
        for (Offer o : store.openOffers(recipient, MAX_OPEN)) {
            out.put(o.id(), o);
        }
        return out;
    }
}
