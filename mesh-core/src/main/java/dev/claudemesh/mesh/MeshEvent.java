package dev.claudemesh.mesh;

import java.time.Instant;

/**
 * Something that happened in the mesh, for {@code claude-mesh tail}: an item sent (question, message,
 * broadcast, task, task result) or a question answered.
 *
 * @param seq  position in the mesh's history (inbox order); replies reuse the question's position
 * @param kind the item kind, or {@code reply}
 */
public record MeshEvent(long seq, Instant at, String kind, String from, String to, String id, String text) {
}
