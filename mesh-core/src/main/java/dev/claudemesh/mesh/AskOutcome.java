package dev.claudemesh.mesh;

import java.util.Optional;

/**
 * How a wait for an answer ended.
 *
 * @param status {@code answered}, {@code timed_out}, {@code peer_offline}, {@code cancelled}, or {@code waiting}: the
 *               caller's own limit came first and the question is still open
 */
public record AskOutcome(String status, String questionId, String from, Optional<String> answer) {
    public static final String ANSWERED = "answered";
    public static final String TIMED_OUT = "timed_out";
    public static final String PEER_OFFLINE = "peer_offline";
    public static final String CANCELLED = "cancelled";
    public static final String WAITING = "waiting";
}
