package dev.claudemesh.store;

import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Outgoing;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.QuestionStatus;
import dev.claudemesh.mesh.Task;
import dev.claudemesh.mesh.TaskStatus;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A mesh file made by an older release, holding data, opens on the newest schema with its data intact. */
class MigrationTest {
    @TempDir
    Path tmp;

    @Test
    void aVersionOneDatabaseWithDataUpgradesToTheNewestSchemaKeepingEverything() throws Exception {
        Path db = tmp.resolve("mesh.db");
        Files.createFile(db, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Flyway.configure().dataSource("jdbc:sqlite:" + db, null, null).locations("classpath:db/migration")
                .target("1").loggers("slf4j").load().migrate();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
            s.execute("INSERT INTO peers (name_key, name, project_path, git_root, host, summary, state, session_id, "
                    + "registered_at, last_seen) VALUES ('backend', 'backend', '/w/backend', '/w', 'h', 'api work', 'offline', 's1', 1000, 2000)");
            s.execute("INSERT INTO questions (id, asker, asker_key, target, target_key, body, status, asked_at, expires_at, answer, answered_at) "
                    + "VALUES ('q_old1', 'frontend', 'frontend', 'backend', 'backend', 'port?', 'answered', 1000, 999999, '8080', 1500)");
            s.execute("INSERT INTO inbox (id, kind, sender, recipient, body, created_at) "
                    + "VALUES ('q_old2', 'question', 'frontend', 'backend', 'still waiting?', 1700)");
        }

        try (SqliteStore store = SqliteStore.open(db)) {
            assertEquals(SchemaMigrations.LATEST, store.schemaVersion());
            Peer p = store.peer("backend").orElseThrow();
            assertEquals("api work", p.summary());
            assertEquals(Optional.of("s1"), p.sessionId());
            Question q = store.question("q_old1").orElseThrow();
            assertEquals(QuestionStatus.ANSWERED, q.status());
            assertEquals(Optional.of("8080"), q.answer());
            List<InboxItem> waiting = store.offerable("backend", List.of(), 10);
            assertEquals(1, waiting.size(), "mail queued before the upgrade is still delivered");
            assertEquals("still waiting?", waiting.get(0).body());
            assertTrue(waiting.get(0).topic().isEmpty());

            // And the new schema works on the upgraded file.
            Instant now = Instant.ofEpochMilli(4000);
            store.addTask(new Task("t_1", "frontend", "backend", "do it", Optional.empty(), TaskStatus.PENDING,
                    Optional.empty(), now, Optional.empty(), Optional.empty()),
                    new Outgoing("t_1", InboxItem.TASK, "frontend", "do it", null, "t_1", null, now));
            assertEquals(List.of("schema"), store.subscribe("backend", "schema", now));
            assertEquals(1, store.tasksAssignedTo("backend").size());
        }
    }
}
