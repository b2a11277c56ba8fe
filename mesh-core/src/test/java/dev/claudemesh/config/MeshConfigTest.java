package dev.claudemesh.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MeshConfigTest {

    /** A home that is not this JVM's user.home, so a test can tell which of the two was used. */
    private static final String HOME = "/home/mesh-config-test";

    private static MeshConfig config(Map<String, String> env) {
        Map<String, String> withHome = new java.util.HashMap<>(env);
        withHome.putIfAbsent("HOME", HOME);
        return MeshConfig.from(Settings.of(withHome, Map.of()));
    }

    @Test
    void dbPathDefaultsToMeshDbInDotClaudeMeshUnderHome() {
        MeshConfig c = config(Map.of());
        assertEquals(Path.of(HOME, ".claude-mesh", "mesh.db").toAbsolutePath().normalize(), c.dbPath());
    }

    @Test
    void theDefaultDatabaseIsUnderHomeFromTheEnvironmentNeverJavasUserHome() {
        String elsewhere = "/var/tmp/another-home";
        MeshConfig c = config(Map.of("HOME", elsewhere));
        assertEquals(Path.of(elsewhere, ".claude-mesh", "mesh.db"), c.dbPath());
    }

    @Test
    void withoutHomeTheDefaultDatabaseIsAClearErrorNotASharedDirectory() {
        for (Map<String, String> env : List.of(Map.<String, String>of(), Map.of("HOME", ""), Map.of("HOME", "  "),
                Map.of("HOME", "relative/home"))) {
            ConfigException e = assertThrows(ConfigException.class, () -> MeshConfig.from(Settings.of(env, Map.of())), env.toString());
            assertTrue(e.getMessage().startsWith("HOME is "), e.getMessage());
            assertTrue(e.getMessage().contains("set HOME to your home directory"), e.getMessage());
            assertTrue(e.getMessage().contains("mesh database"), e.getMessage());
        }
    }

    @Test
    void withoutHomeAnAbsoluteDatabasePathStillWorksButATildeIsAnError() {
        MeshConfig c = MeshConfig.from(Settings.of(Map.of("MESH_DB_PATH", "/data/m.db"), Map.of()));
        assertEquals(Path.of("/data/m.db"), c.dbPath());
        ConfigException e = assertThrows(ConfigException.class,
                () -> MeshConfig.from(Settings.of(Map.of("MESH_DB_PATH", "~/m.db"), Map.of())));
        assertTrue(e.getMessage().contains("MESH_DB_PATH (~/m.db)"), e.getMessage());
    }

    @Test
    void aHomeInDotEnvIsNotTheUsersHome() {
        MeshConfig c = MeshConfig.from(Settings.of(Map.of("HOME", HOME), Map.of("HOME", "/somewhere/else")));
        assertEquals(Path.of(HOME, ".claude-mesh", "mesh.db"), c.dbPath());
    }

    @Test
    void dbPathExpandsLeadingTildeSlash() {
        MeshConfig c = config(Map.of("MESH_DB_PATH", "~/meshes/shared.db"));
        assertEquals(Path.of(HOME, "meshes", "shared.db").toAbsolutePath().normalize(), c.dbPath());
    }

    @Test
    void tildeInsideAPathIsNotExpanded() {
        MeshConfig c = config(Map.of("MESH_DB_PATH", "/data/~/m.db"));
        assertEquals(Path.of("/data/~/m.db"), c.dbPath());
    }

    @Test
    void relativeDbPathIsMadeAbsoluteAndNormalized() {
        MeshConfig c = config(Map.of("MESH_DB_PATH", "some/../dir/m.db"));
        assertTrue(c.dbPath().isAbsolute());
        assertEquals(Path.of("dir/m.db").toAbsolutePath().normalize(), c.dbPath());
    }

    @Test
    void dbPathFromDotEnvIsUsedWhenEnvironmentHasNone() {
        MeshConfig c = MeshConfig.from(Settings.of(Map.of(), Map.of("MESH_DB_PATH", "/x/y.db")));
        assertEquals(Path.of("/x/y.db"), c.dbPath());
    }

    @Test
    void hostNameComesFromDotEnvLikeEveryOtherSetting() {
        assertEquals("laptop-b", MeshConfig.from(Settings.of(Map.of("HOME", HOME), Map.of("MESH_HOST_NAME", " laptop-b "))).host());
        assertEquals("from-env", MeshConfig.from(Settings.of(Map.of("HOME", HOME, "MESH_HOST_NAME", "from-env"),
                Map.of("MESH_HOST_NAME", "laptop-b"))).host());
    }

    @Test
    void blankHostNameFallsBackToTheMachinesName() {
        assertEquals(HostName.ofMachine(), config(Map.of("MESH_HOST_NAME", "  ")).host());
    }

    @Test
    void meshProjectPathBeatsClaudeProjectDir() {
        MeshConfig c = config(Map.of("CLAUDE_MESH_PROJECT_PATH", "/p/mesh", "CLAUDE_PROJECT_DIR", "/p/claude"));
        assertEquals(Optional.of(Path.of("/p/mesh")), c.projectOverride());
    }

    @Test
    void claudeProjectDirIsUsedAlone() {
        MeshConfig c = config(Map.of("CLAUDE_PROJECT_DIR", "/p/claude"));
        assertEquals(Optional.of(Path.of("/p/claude")), c.projectOverride());
    }

    @Test
    void projectOverrideExpandsTilde() {
        MeshConfig c = config(Map.of("CLAUDE_MESH_PROJECT_PATH", "~/work/app"));
        assertEquals(Optional.of(Path.of(HOME, "work", "app")), c.projectOverride());
    }

    @Test
    void noProjectVariablesMeansNoOverride() {
        assertEquals(Optional.empty(), config(Map.of()).projectOverride());
    }

    @Test
    void maxMessageCharsDefaultsTo64KiB() {
        assertEquals(65536, config(Map.of()).maxMessageChars());
    }

    @Test
    void maxMessageCharsIsParsed() {
        assertEquals(1234, config(Map.of("MESH_MAX_MESSAGE_CHARS", " 1234 ")).maxMessageChars());
    }

    @Test
    void nonNumericMaxMessageCharsIsAConfigErrorNamingTheVariable() {
        ConfigException e = assertThrows(ConfigException.class, () -> config(Map.of("MESH_MAX_MESSAGE_CHARS", "lots")));
        assertTrue(e.getMessage().contains("MESH_MAX_MESSAGE_CHARS"), e.getMessage());
        assertTrue(e.getMessage().contains("lots"), e.getMessage());
    }

    @Test
    void zeroOrNegativeMaxMessageCharsIsAConfigErrorNamingTheVariable() {
        for (String bad : new String[] {"0", "-5", "99999999999"}) {
            ConfigException e = assertThrows(ConfigException.class, () -> config(Map.of("MESH_MAX_MESSAGE_CHARS", bad)), bad);
            assertTrue(e.getMessage().contains("MESH_MAX_MESSAGE_CHARS"), e.getMessage());
        }
    }
}
