package dev.claudemesh.mesh;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** This machine's name, recorded with each peer: process ids mean something only on the host that made them. */
public final class HostName {
    private HostName() {
    }

    public static String get() {
        String env = System.getenv("MESH_HOST_NAME");
        if (env != null && !env.isBlank()) {
            return env.trim();
        }
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h.trim();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
