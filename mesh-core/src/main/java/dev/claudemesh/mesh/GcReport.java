package dev.claudemesh.mesh;

import java.util.List;

/** What a clean-up pass ({@link Mesh#gc}) did. */
public record GcReport(List<String> peersReaped, int questionsExpired, int questionsAbandoned,
                       int historyRowsPruned, int peersDeleted) {
}
