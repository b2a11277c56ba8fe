package dev.claudemesh.mesh;

import java.util.Locale;

/** Which peers list_peers shows: everyone, those in the same project directory, or in the same git repo. */
public enum PeerScope {
    MACHINE, DIRECTORY, REPO;

    public static PeerScope fromWire(String s) {
        if (s == null || s.isBlank()) {
            return MACHINE;
        }
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MeshException("scope must be one of machine, directory, repo (got '" + s + "')");
        }
    }
}
