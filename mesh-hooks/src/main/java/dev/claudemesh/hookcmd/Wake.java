package dev.claudemesh.hookcmd;

/** A hook's request to wake its idle session: exit code 2, with {@code text} on stderr for the model. */
record Wake(String text) {
}
