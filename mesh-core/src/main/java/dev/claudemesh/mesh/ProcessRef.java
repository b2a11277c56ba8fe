package dev.claudemesh.mesh;

/**
 * A process as the mesh remembers it: its pid and its start time, so that a pid the OS has since reused for
 * another program is not mistaken for the one we recorded.
 *
 * @param pid          operating-system process id
 * @param startedAtMs  start time in epoch milliseconds, or 0 when the OS does not tell
 */
public record ProcessRef(long pid, long startedAtMs) {
    /**
     * Whether this and {@code other} are one process: the same pid and, when both start times are known, the
     * same start (a reused pid belongs to a process started much later).
     */
    public boolean sameProcessAs(ProcessRef other) {
        return pid == other.pid && (startedAtMs == 0 || other.startedAtMs == 0 || Processes.sameStart(startedAtMs, other.startedAtMs));
    }
}
