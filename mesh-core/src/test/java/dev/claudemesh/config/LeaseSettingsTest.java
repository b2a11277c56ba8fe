package dev.claudemesh.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LeaseSettingsTest {
    private static LeaseSettings of(Map<String, String> env) {
        return LeaseSettings.from(Settings.of(env, Map.of()));
    }

    @Test
    void denyAndNoAutomaticLeasesUnlessTheUserChoosesOtherwise() {
        assertEquals(LeaseSettings.DEFAULT, of(Map.of()));
        assertEquals(new LeaseSettings(true, 120), of(Map.of("MESH_LEASE_DECISION", "Ask", "MESH_LEASE_AUTO_SECONDS", "120")));
        assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("MESH_LEASE_DECISION", "block"))).getMessage()
                .contains("MESH_LEASE_DECISION must be deny or ask, got 'block'"));
        assertTrue(assertThrows(ConfigException.class, () -> of(Map.of("MESH_LEASE_AUTO_SECONDS", "-5"))).getMessage()
                .contains("MESH_LEASE_AUTO_SECONDS must be a whole number"));
    }
}
