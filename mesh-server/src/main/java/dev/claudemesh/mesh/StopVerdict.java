package dev.claudemesh.mesh;

import java.util.List;

/** What the Stop hook decides: let the session go idle, or keep it working on these questions. */
public record StopVerdict(boolean block, List<Question> questions) {
    public static final StopVerdict ALLOW = new StopVerdict(false, List.of());
}
