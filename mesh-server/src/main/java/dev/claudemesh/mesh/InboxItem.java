package dev.claudemesh.mesh;

import java.time.Instant;

/**
 * One thing waiting for a peer: for now a question (its id is the question id).
 *
 * @param from the sender's name, always the sending server's own identity
 */
public record InboxItem(String id, String kind, String from, String body, Instant sentAt) {
    public static final String QUESTION = "question";
}
