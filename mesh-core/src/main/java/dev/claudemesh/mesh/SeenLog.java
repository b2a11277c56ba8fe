package dev.claudemesh.mesh;

import java.util.Collection;
import java.util.Set;

/**
 * Where the mesh finds proof that items reached a session's model: the session's own record of what its model
 * was shown (Claude Code's transcript; see {@code hook.Transcript}). The domain asks; it does not know the
 * file's format.
 */
public interface SeenLog {

    /**
     * What a scan found.
     *
     * @param offset   where the next scan of the same log should start (the end of the last complete record)
     * @param seen     the ids shown to the model in what was scanned
     * @param enqueued the ids of channel events the client accepted and will show at its next turn
     * @param lastAnswer where the last answer of the model in what was scanned begins (-1: none)
     * @param lastAnswerAt when the model gave that answer, by the log's own clock, in epoch milliseconds (-1: the
     *                   log does not say). An offer made before an answer given after it, and not among
     *                   {@code seen}, did not reach the model. The time decides, not the place: a client may
     *                   write the answer that called a tool after the tool has run (and offered items).
     */
    record Scan(long offset, Set<String> seen, Set<String> enqueued, long lastAnswer, long lastAnswerAt) {
    }

    /** Looks at {@code log} from byte {@code from} on for the given item ids. An unreadable log proves nothing. */
    Scan scan(String log, long from, Collection<String> ids);

    /** Where {@code log} ends now: an offer made now can only be proven after this point. */
    long end(String log);

    /** No log at all: nothing is ever proven seen this way (tool results still are). */
    SeenLog NONE = new SeenLog() {
        @Override
        public Scan scan(String log, long from, Collection<String> ids) {
            return new Scan(from, Set.of(), Set.of(), -1, -1);
        }

        @Override
        public long end(String log) {
            return 0;
        }
    };
}
