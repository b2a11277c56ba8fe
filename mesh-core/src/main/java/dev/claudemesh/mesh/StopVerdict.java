package dev.claudemesh.mesh;

import java.util.List;

/** What the Stop hook decides: let the session go idle, or keep it working on these questions and tasks. */
public record StopVerdict(boolean block, List<Question> questions, List<Task> tasks) {
    public static final StopVerdict ALLOW = new StopVerdict(false, List.of(), List.of());
}
