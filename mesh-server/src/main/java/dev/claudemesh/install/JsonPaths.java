package dev.claudemesh.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Optional;

/** Whether a file, as it was before claude-mesh first changed it, had a key: uninstall keeps what was there. */
final class JsonPaths {
    private JsonPaths() {
    }

    static boolean has(Optional<ObjectNode> original, String... keys) {
        if (original.isEmpty()) {
            return false;
        }
        JsonNode n = original.get();
        for (String k : keys) {
            n = n.get(k);
            if (n == null) {
                return false;
            }
        }
        return true;
    }
}
