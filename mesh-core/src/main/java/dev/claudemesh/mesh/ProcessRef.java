package dev.claudemesh.mesh;

/**
 * A process as the mesh remembers it: its pid and its start time, so that a pid the OS has since reused for
 * another program is not mistaken for the one we recorded.
 *
 * @param pid          operating-system process id
 * @param startedAtMs  start time in epoch milliseconds, or 0 when the OS does not tell
 */
public record ProcessRef(long pid, long startedAtMs) {
}
