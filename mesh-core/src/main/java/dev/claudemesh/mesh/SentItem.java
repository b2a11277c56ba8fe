package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One item as it was sent, for someone reading the whole mesh rather than one inbox: a question, message,
 * broadcast, task or task result, with everyone it was addressed to (one broadcast is one item, however many
 * received it).
 *
 * @param seq        its position in the mesh's history (inbox order)
 * @param recipients who it was addressed to, in the order they were addressed
 * @param topic      for a broadcast to a topic
 */
public record SentItem(long seq, String id, String kind, String from, List<String> recipients, Optional<String> topic,
                       String body, Instant sentAt) {
    public SentItem {
        recipients = List.copyOf(recipients);
    }
}
