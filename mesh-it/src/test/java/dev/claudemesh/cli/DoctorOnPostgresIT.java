package dev.claudemesh.cli;

import dev.claudemesh.testing.MeshCli;
import dev.claudemesh.testing.MeshCli.Run;
import dev.claudemesh.testing.MeshFixture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code claude-mesh doctor} pointed at a shared PostgreSQL mesh (MESH_DB_URL): it checks that database, but
 * the server it starts to try the set-up runs on a throw-away file, so no session ever sees a phantom peer.
 */
@Tag("postgresql-only")
class DoctorOnPostgresIT {
    @TempDir
    Path tmp;
    MeshFixture mesh;

    @AfterEach
    void stop() {
        if (mesh != null) {
            mesh.close();
        }
    }

    @Test
    void doctorOnAPostgresMeshLeavesNothingInIt() throws Exception {
        mesh = new MeshFixture(Files.createDirectories(tmp.resolve("mesh")));
        Path project = Files.createDirectories(tmp.resolve("work/app"));
        Map<String, String> env = Map.of("HOME", Files.createDirectories(tmp.resolve("home")).toString(),
                "MESH_DB_URL", mesh.dbUrl.orElseThrow(), "MESH_DB_PATH", mesh.db.toString());
        assertEquals(0, MeshCli.run(project, env, "install").exit());

        Run doctor = MeshCli.run(project, env, "doctor");

        assertEquals(0, doctor.exit(), doctor.toString());
        assertTrue(doctor.out().lines().anyMatch(l -> l.startsWith("ok    server ") && l.contains("answered initialize")), doctor.out());
        assertTrue(doctor.out().lines().anyMatch(l -> l.startsWith("ok    database ") && l.contains(mesh.where())), doctor.out());
        assertEquals(List.of(), peers(), "doctor's probe joined the shared mesh");
    }

    private List<String> peers() throws Exception {
        List<String> names = new ArrayList<>();
        try (var c = mesh.connect(); var s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name FROM peers")) {
            while (rs.next()) {
                names.add(rs.getString(1));
            }
        }
        return names;
    }
}
