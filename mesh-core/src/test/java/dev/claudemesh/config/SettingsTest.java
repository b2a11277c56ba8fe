package dev.claudemesh.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SettingsTest {

    @TempDir
    Path tmp;

    @Test
    void environmentWinsOverDotEnv() {
        Settings s = Settings.of(Map.of("MESH_DB_PATH", "/from/env"), Map.of("MESH_DB_PATH", "/from/dotenv"));
        assertEquals(Optional.of("/from/env"), s.get("MESH_DB_PATH"));
    }

    @Test
    void dotEnvFillsInWhenEnvironmentLacksTheVariable() {
        Settings s = Settings.of(Map.of(), Map.of("MESH_DB_PATH", "/from/dotenv"));
        assertEquals(Optional.of("/from/dotenv"), s.get("MESH_DB_PATH"));
    }

    @Test
    void aBlankEnvironmentValueOverridesDotEnvAndMeansUnset() {
        Settings s = Settings.of(Map.of("MESH_DB_URL", "", "X", "   "), Map.of("MESH_DB_URL", "jdbc:postgresql://db/mesh", "X", "dot"));
        assertEquals(Optional.empty(), s.get("MESH_DB_URL"));
        assertEquals(Optional.empty(), s.get("X"));
    }

    @Test
    void blankEverywhereIsAbsentAndValuesAreTrimmed() {
        Settings s = Settings.of(Map.of("A", "  padded  ", "B", ""), Map.of("B", " "));
        assertEquals(Optional.of("padded"), s.get("A"));
        assertEquals(Optional.empty(), s.get("B"));
        assertEquals(Optional.empty(), s.get("MISSING"));
    }

    @Test
    void settingsOfHasNoDotEnvFile() {
        assertTrue(Settings.of(Map.of(), Map.of()).dotEnvFile().isEmpty());
    }

    @Test
    void readDotEnvHandlesCommentsExportQuotesAndJunkLines() throws IOException {
        Path file = tmp.resolve(".env");
        Files.writeString(file, String.join("\n",
                "# a comment",
                "",
                "   # an indented comment",
                "PLAIN=value",
                "export EXPORTED=yes",
                "DOUBLE=\"with spaces\"",
                "SINGLE='single quoted'",
                "  SPACED  =  around  ",
                "EQUALS=a=b=c",
                "HALFQUOTE=\"open",
                "no equals sign here",
                "=nokey",
                "EMPTY=",
                ""), StandardCharsets.UTF_8);

        Map<String, String> v = Settings.readDotEnv(file);

        assertEquals("value", v.get("PLAIN"));
        assertEquals("yes", v.get("EXPORTED"));
        assertFalse(v.containsKey("export EXPORTED"));
        assertEquals("with spaces", v.get("DOUBLE"));
        assertEquals("single quoted", v.get("SINGLE"));
        assertEquals("around", v.get("SPACED"));
        assertEquals("a=b=c", v.get("EQUALS"));
        assertEquals("\"open", v.get("HALFQUOTE"));
        assertEquals("", v.get("EMPTY"));
        assertFalse(v.containsKey(""));
        assertFalse(v.keySet().stream().anyMatch(k -> k.startsWith("#")));
        assertEquals(8, v.size(), () -> "unexpected keys: " + v);
    }

    @Test
    void readDotEnvOfMissingFileIsEmpty() {
        assertTrue(Settings.readDotEnv(tmp.resolve("absent.env")).isEmpty());
    }

    @Test
    void findDotEnvWalksUpToTheNearestDotEnv() throws IOException {
        Path outer = Files.createDirectories(tmp.resolve("install"));
        Path inner = Files.createDirectories(outer.resolve("lib/jars"));
        Files.writeString(tmp.resolve(".env"), "X=far\n");
        Files.writeString(outer.resolve(".env"), "X=near\n");

        Optional<Path> found = Settings.findDotEnv(inner);

        assertEquals(Optional.of(outer.resolve(".env")), found);
        assertEquals("near", Settings.readDotEnv(found.orElseThrow()).get("X"));
    }

    @Test
    void findDotEnvIgnoresADirectoryNamedDotEnv() throws IOException {
        Path start = Files.createDirectories(tmp.resolve("a/b"));
        Files.createDirectories(tmp.resolve("a/.env"));
        Files.writeString(tmp.resolve(".env"), "X=1\n");

        assertEquals(Optional.of(tmp.resolve(".env")), Settings.findDotEnv(start));
    }

    // ------------------------------------------------------------------ which .env is trusted

    @Test
    void aPrivateDotEnvOfThisUserIsUsedAndNamed() throws IOException {
        Path install = Files.createDirectories(tmp.resolve("checkout/mesh-server/target"));
        Path env = Files.writeString(tmp.resolve("checkout/.env"), "MESH_HOST_NAME=from-dotenv\n");
        Files.setPosixFilePermissions(env, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));

        Settings s = Settings.load(Map.of(), install);

        assertEquals(Optional.of("from-dotenv"), s.get("MESH_HOST_NAME"));
        assertEquals(Optional.of(env), s.dotEnvFile());
        assertEquals(Optional.empty(), s.ignoredDotEnv());
        assertEquals(env.toString(), s.dotEnvStatus());
    }

    @Test
    void aDotEnvOtherUsersCanWriteIsIgnoredAndSaysWhy() throws IOException {
        Path install = Files.createDirectories(tmp.resolve("checkout/mesh-server/target"));
        Path env = Files.writeString(tmp.resolve("checkout/.env"), "MESH_DB_PATH=/tmp/attacker.db\n");
        Files.setPosixFilePermissions(env, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));

        Settings s = Settings.load(Map.of(), install);

        assertEquals(Optional.empty(), s.get("MESH_DB_PATH"), "nothing of it is used");
        assertEquals(Optional.empty(), s.dotEnvFile());
        assertTrue(s.ignoredDotEnv().orElseThrow().what().contains(env + " is writable by other users"), s.ignoredDotEnv().toString());
        assertTrue(s.dotEnvStatus().startsWith("none used: ignored " + env), s.dotEnvStatus());
        assertTrue(s.dotEnvStatus().contains("chmod go-w '" + env + "'"), s.dotEnvStatus());
    }

    @Test
    void aDotEnvOfAnotherUserAboveTheCheckoutIsIgnored() throws IOException {
        Path install = Files.createDirectories(tmp.resolve("shared/checkout/mesh-server/target"));
        Path planted = Files.writeString(tmp.resolve("shared/.env"), "MESH_HOST_NAME=spoofed\n");
        Files.setPosixFilePermissions(planted, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        org.junit.jupiter.api.Assumptions.assumeTrue(PrivateFilesTest.chown(planted, 65534), "needs the right to give a file away (root)");

        Settings s = Settings.load(Map.of(), install);

        assertEquals(Optional.empty(), s.get("MESH_HOST_NAME"));
        assertTrue(s.ignoredDotEnv().orElseThrow().what().contains("belongs to another user"), s.ignoredDotEnv().toString());
    }
}
