package dev.claudemesh.hook;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How many times in a row the Stop hook has kept each session's turn going. Claude Code ends a turn anyway
 * after {@code CLAUDE_CODE_STOP_HOOK_BLOCK_CAP} consecutive blocks (8 by default) and then drops what the last
 * hook said, so items offered with a block past the cap would sit offered, unseen, until a later look released
 * them. The Stop rule therefore never blocks more than {@link #limit} times in a row: the next stop lets the
 * session go idle without offering anything, and what waits stays queued for the next prompt or tool call.
 *
 * <p>Counted in the process that answers the hooks: the session's server (its {@code mcp_tool} hooks and its
 * hook socket). A hook process that answers itself knows no count ({@link #UNKNOWN}); it keeps the rule's own
 * bound, never twice in a row for the same items.
 */
public final class StopBlocks {
    public static final String CAP_ENV = "CLAUDE_CODE_STOP_HOOK_BLOCK_CAP";
    /** Claude Code's default cap, and the most this rule ever relies on. */
    public static final int MAX = 8;

    /** No memory between hooks: every stop sequence looks new. */
    public static final StopBlocks UNKNOWN = new StopBlocks(MAX, false);

    private final int limit;
    private final boolean counting;
    private final Map<String, Integer> inARow = new ConcurrentHashMap<>();

    private StopBlocks(int limit, boolean counting) {
        this.limit = limit;
        this.counting = counting;
    }

    /** A counter for a process that answers every hook of its sessions, bounded by Claude Code's cap. */
    public static StopBlocks counting(String capValue) {
        return new StopBlocks(limit(capValue), true);
    }

    /**
     * The cap from {@code CLAUDE_CODE_STOP_HOOK_BLOCK_CAP} when it is a whole number from 1 to {@link #MAX};
     * {@link #MAX} otherwise (unset, unparsable, 0 meaning no cap, or higher: 8 is all the rule needs).
     */
    static int limit(String capValue) {
        if (capValue != null) {
            try {
                int cap = Integer.parseInt(capValue.strip());
                if (cap >= 1 && cap < MAX) {
                    return cap;
                }
            } catch (NumberFormatException ignored) {
                // Claude Code would use its default too
            }
        }
        return MAX;
    }

    public int limit() {
        return limit;
    }

    /**
     * Whether this stop may block: a stop that does not follow a block ({@code stopHookActive} false) starts a
     * new sequence; one that does may block while fewer than {@link #limit} blocks came before it.
     */
    public boolean mayBlock(String peer, boolean stopHookActive) {
        if (!stopHookActive) {
            inARow.remove(peer);
            return true;
        }
        return !counting || inARow.getOrDefault(peer, 0) < limit;
    }

    /** This stop blocked. */
    public void blocked(String peer) {
        if (counting) {
            inARow.merge(peer, 1, Integer::sum);
        }
    }

    /** A prompt starts a new turn: whatever came before is no longer in a row. */
    public void promptStarted(String peer) {
        inARow.remove(peer);
    }
}
