package dev.claudemesh.mesh;

import java.util.List;

/** What a clean-up pass did. */
public record Housekeeping(List<String> peersReaped, int questionsExpired, int questionsAbandoned,
                           int historyRowsPruned, int peersDeleted) {
}
