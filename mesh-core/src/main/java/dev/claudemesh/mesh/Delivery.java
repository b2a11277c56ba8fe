package dev.claudemesh.mesh;

import java.util.List;

/**
 * What sending did: the id of what was sent, whether it reached a live session ({@code sent}) or waits for
 * one ({@code queued}), and who it was addressed to.
 */
public record Delivery(String id, String status, List<String> recipients) {
    public static final String SENT = "sent";
    public static final String QUEUED = "queued";
}
