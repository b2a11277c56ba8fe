package dev.claudemesh.config;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * This machine's own name, recorded with each peer: process ids mean something only on the host that made them.
 * MESH_HOST_NAME, which overrides it, is a setting like any other and read by {@link MeshConfig#host(Settings)}.
 */
public final class HostName {
    private HostName() {
    }

    /** The operating system's name for this machine. */
    public static String ofMachine() {
        String h = System.getenv("HOSTNAME");
        if (h != null && !h.isBlank()) {
            return h.trim();
        }
        // Linux tells it in a file; reading that is far cheaper than InetAddress, which may ask a resolver.
        try {
            String k = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).trim();
            if (!k.isEmpty()) {
                return k;
            }
        } catch (java.io.IOException | RuntimeException notLinux) {
            // fall through
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
