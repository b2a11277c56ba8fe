package dev.claudemesh.mesh;

import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.store.SqliteStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The lease rules on a real SQLite file, with a clock and a process table the test controls. */
class ClaimsTest {
    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");
    private static final String REPO = "github.com/acme/shop";

    @TempDir
    Path tmp;

    private SqliteStore store;
    private final MutableClock clock = new MutableClock(T0);
    private final Set<Long> dead = ConcurrentHashMap.newKeySet();
    private Path root;
    private Claims.Repository repo;

    @BeforeEach
    void open() throws Exception {
        store = SqliteStore.open(tmp.resolve("mesh.db"));
        root = Files.createDirectories(tmp.resolve("shop")).toRealPath();
        Files.createDirectories(root.resolve("src/api"));
        repo = new Claims.Repository(REPO, root);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private final class Procs implements Processes {
        final ProcessRef self;

        Procs(long pid) {
            self = new ProcessRef(pid, 1_700_000_000_000L + pid);
        }

        @Override
        public ProcessRef self() {
            return self;
        }

        @Override
        public Optional<ProcessRef> parent() {
            return Optional.of(new ProcessRef(self.pid() + 1000, 1_700_000_000_000L));
        }

        @Override
        public List<ProcessRef> ancestors() {
            return List.of(parent().orElseThrow());
        }

        @Override
        public boolean isAlive(ProcessRef ref) {
            return !dead.contains(ref.pid());
        }

        @Override
        public boolean runsServerChild(ProcessRef parent) {
            return false;
        }
    }

    /** A session's server, named {@code name}, on {@code host}. */
    private record Session(Mesh mesh, String name, long pid) {
        Claims claims() {
            return mesh.claims();
        }
    }

    private Session session(String name, long pid, String host) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("projects").resolve(name));
        Mesh m = new Mesh(store, new Procs(pid), clock, host, 1000, Duration.ofSeconds(60));
        Peer p = m.joinAs(name, new ProjectIdentity(dir, dir, name), "");
        return new Session(m, p.name(), pid);
    }

    private Session session(String name, long pid) throws Exception {
        return session(name, pid, "host-1");
    }

    private Claims.EditCheck edit(Session s, String file) {
        return s.claims().checkEdit(s.name(), repo, root, root.resolve(file).toString(), Claims.Policy.DEFAULT);
    }

    private Claims.Granted claim(Session s, boolean exclusive, String... paths) {
        return s.claims().claim(s.name(), repo, List.of(paths), "reworking the users API", Optional.empty(), exclusive);
    }

    private List<String> log() {
        return store.leaseEventsAfter(0, 100).stream().map(e -> e.holder() + " " + e.event() + " " + e.globs()).toList();
    }

    @Test
    void anEditOfAFileAnotherSessionHoldsExclusivelyIsDeniedNamingTheHolderItsReasonAndHowToAskIt() throws Exception {
        Session a = session("alpha", 100);
        Session b = session("beta", 200);
        Claims.Granted g = claim(a, true, "src/api/**");
        assertTrue(g.lease().id().startsWith("l_"));

        Claims.EditCheck check = edit(b, "src/api/users.ts");
        assertEquals(Claims.Verdict.DENY, check.verdict());
        assertEquals(Optional.of("src/api/users.ts"), check.file());
        assertEquals("alpha", check.holders().get(0).holder());
        String said = Claims.describe(check.holders().get(0), check.holders().get(0).globs());
        assertTrue(said.contains("'alpha' holds src/api/** exclusively"), said);
        assertTrue(said.contains("<peer_claim_reason from=\"alpha\""), "the reason is framed as the peer's text: " + said);
        assertTrue(said.contains("reworking the users API"), said);
        assertTrue(Claims.askHint(check.holders().get(0)).contains("ask_peer {\"to\": \"alpha\""));

        assertEquals(Claims.Verdict.ALLOW, edit(a, "src/api/users.ts").verdict(), "the holder edits its own files");
        assertEquals(Claims.Verdict.ALLOW, edit(b, "src/web/app.ts").verdict());
        assertEquals(Claims.Verdict.ALLOW, b.claims().checkEdit(b.name(), repo, root, "/etc/hosts", Claims.Policy.DEFAULT).verdict(),
                "a file outside the repository is none of the leases' business");
        assertEquals(Claims.Verdict.ASK, b.claims().checkEdit(b.name(), repo, root, root.resolve("src/api/users.ts").toString(),
                new Claims.Policy(true, Duration.ZERO)).verdict(), "the user may choose to be asked instead");
        assertEquals(Claims.Verdict.DENY, b.claims().checkEdit(b.name(), repo, root, "src/api/users.ts", Claims.Policy.DEFAULT).verdict(),
                "a relative path is the project's");
    }

    @Test
    void aSharedLeaseLetsOthersEditWithANote() throws Exception {
        Session a = session("alpha", 100);
        Session b = session("beta", 200);
        claim(a, false, "src/api/**");
        Claims.EditCheck check = edit(b, "src/api/users.ts");
        assertEquals(Claims.Verdict.NOTE, check.verdict());
        assertEquals("alpha", check.holders().get(0).holder());
    }

    @Test
    void anExclusiveClaimOverlappingAnotherSessionsExclusiveLeaseIsRefusedAndASharedOneIsToldWhatItOverlaps() throws Exception {
        Session a = session("alpha", 100);
        Session b = session("beta", 200);
        claim(a, true, "src/api/**");
        MeshException refused = assertThrows(MeshException.class, () -> claim(b, true, "**/*.ts"));
        assertTrue(refused.getMessage().contains("'alpha' holds src/api/** exclusively"), refused.getMessage());
        assertTrue(refused.getMessage().contains("ask_peer {\"to\": \"alpha\""), refused.getMessage());
        assertTrue(claim(b, true, "src/web/**").overlaps().isEmpty());
        Claims.Granted shared = claim(b, false, "src/**/users.ts");
        assertEquals(List.of("alpha"), shared.overlaps().stream().map(Lease::holder).toList());
    }

    @Test
    void aLeaseEndsAtItsTtlAndTheEditGoesThrough() throws Exception {
        Session a = session("alpha", 100);
        Session b = session("beta", 200);
        a.claims().claim(a.name(), repo, List.of("src/api/**"), "short job", Optional.of(60L), true);
        assertEquals(Claims.Verdict.DENY, edit(b, "src/api/users.ts").verdict());
        clock.advance(Duration.ofSeconds(59));
        a.mesh().heartbeat(a.name());
        assertEquals(Claims.Verdict.DENY, edit(b, "src/api/users.ts").verdict());
        clock.advance(Duration.ofSeconds(1));
        assertEquals(Claims.Verdict.ALLOW, edit(b, "src/api/users.ts").verdict());
        assertEquals(List.of("alpha claimed src/api/**", "alpha expired src/api/**"), log());
    }

    @Test
    void aLeaseEndsWithItsSessionAndASuccessorWithTheSameNameDoesNotInheritIt() throws Exception {
        Session a = session("alpha", 100);
        Session b = session("beta", 200);
        claim(a, true, "src/api/**");
        dead.add(100L); // alpha's server is gone
        Session again = session("alpha", 300); // a new session takes the name
        assertEquals("alpha", again.name());
        assertEquals(Claims.Verdict.ALLOW, edit(b, "src/api/users.ts").verdict());
        assertTrue(again.claims().list(Optional.of(repo)).isEmpty(), "nothing held: the successor has no lease");
        assertEquals(List.of("alpha claimed src/api/**", "alpha session-ended src/api/**"), log());
        MeshException none = assertThrows(MeshException.class,
                () -> again.claims().release(again.name(), repo, Optional.empty(), List.of("src/api/**")));
        assertTrue(none.getMessage().contains("you hold none of src/api/**"), none.getMessage());
    }

    @Test
    void aLeaseOfASessionThatWentOfflineEndsAtOnce() throws Exception {
        Session a = session("alpha", 100);
        Session b = session("beta", 200);
        claim(a, true, "src/api/**");
        a.mesh().leaveAsServer(a.name());
        assertEquals(Claims.Verdict.ALLOW, edit(b, "src/api/users.ts").verdict());
    }

    @Test
    void aLeaseOfASessionOnAnotherHostHoldsWhileItsHeartbeatIsFresh() throws Exception {
        Session a = session("alpha", 100, "host-1");
        Session b = session("beta", 100, "host-2"); // the same pid means nothing across hosts
        claim(a, true, "src/api/**");
        assertEquals(Claims.Verdict.DENY, edit(b, "src/api/users.ts").verdict());
        clock.advance(Duration.ofSeconds(61));
        assertEquals(Claims.Verdict.ALLOW, edit(b, "src/api/users.ts").verdict(), "alpha's heartbeat is late: its session is gone");
    }

    @Test
    void releasingByIdOrByPathsEndsOnlyWhatThisSessionHolds() throws Exception {
        Session a = session("alpha", 100);
        Session b = session("beta", 200);
        Claims.Granted g = claim(a, true, "src/api/**", "src/db/");
        MeshException notYours = assertThrows(MeshException.class,
                () -> b.claims().release(b.name(), repo, Optional.of(g.lease().id()), List.of()));
        assertTrue(notYours.getMessage().contains("held by 'alpha'"), notYours.getMessage());
        a.claims().release(a.name(), repo, Optional.empty(), List.of("src/db"+ "/"));
        assertEquals(Claims.Verdict.ALLOW, edit(b, "src/db/schema.sql").verdict());
        assertEquals(Claims.Verdict.DENY, edit(b, "src/api/users.ts").verdict());
        a.claims().release(a.name(), repo, Optional.of(g.lease().id()), List.of());
        assertEquals(Claims.Verdict.ALLOW, edit(b, "src/api/users.ts").verdict());
        assertEquals(List.of("alpha claimed src/api/** src/db/**", "alpha released src/db/**", "alpha released src/api/**"), log());
        MeshException both = assertThrows(MeshException.class,
                () -> a.claims().release(a.name(), repo, Optional.of(g.lease().id()), List.of("src/api/**")));
        assertTrue(both.getMessage().contains("one of them"), both.getMessage());
    }

    @Test
    void badPathsAreRefusedWithWhatToDo() throws Exception {
        Session a = session("alpha", 100);
        assertTrue(assertThrows(MeshException.class, () -> claim(a, true, "/etc/passwd")).getMessage()
                .contains("outside the repository (" + root + ")"));
        assertTrue(assertThrows(MeshException.class, () -> claim(a, true, "src/../../etc")).getMessage().contains("'..'"));
        assertTrue(assertThrows(MeshException.class, () -> claim(a, true, root + "/src/../../x")).getMessage().contains("'..'"));
        assertTrue(assertThrows(MeshException.class, () -> claim(a, true, "")).getMessage().contains("empty"));
        assertTrue(assertThrows(MeshException.class, () -> claim(a, true)).getMessage().contains("paths is empty"));
        assertTrue(assertThrows(MeshException.class, () -> a.claims().claim(a.name(), repo, List.of("src/**"), " ",
                Optional.empty(), true)).getMessage().contains("reason is empty"));
        assertTrue(assertThrows(MeshException.class, () -> a.claims().claim(a.name(), repo, List.of("src/**"), "x",
                Optional.of(0L), true)).getMessage().contains("ttl_seconds must be between 1 and 86400"));
        assertEquals(List.of("src/api/**"), claim(a, true, root + "/src/api/").lease().globs(),
                "an absolute path inside the repository is made relative");
        assertTrue(log().size() == 1, "nothing of a refused claim was stored: " + log());
    }

    @Test
    void withAutoClaimOnAFirstEditTakesAShortSharedLeaseSoOthersAreWarned() throws Exception {
        Session a = session("alpha", 100);
        Session b = session("beta", 200);
        Claims.Policy auto = new Claims.Policy(false, Duration.ofSeconds(300));
        Claims.EditCheck first = a.claims().checkEdit(a.name(), repo, root, root.resolve("src/api/users.ts").toString(), auto);
        assertEquals(Claims.Verdict.ALLOW, first.verdict());
        assertTrue(first.taken().isPresent());
        assertTrue(a.claims().checkEdit(a.name(), repo, root, root.resolve("src/api/users.ts").toString(), auto).taken().isEmpty(),
                "one lease per file, not one per edit");
        Claims.EditCheck other = edit(b, "src/api/users.ts");
        assertEquals(Claims.Verdict.NOTE, other.verdict());
        assertEquals(Claims.AUTO_REASON, other.holders().get(0).reason());
        clock.advance(Duration.ofSeconds(300));
        assertEquals(Claims.Verdict.ALLOW, edit(b, "src/api/users.ts").verdict());
    }

    @Test
    void aFileReachedThroughALinkIntoTheRepositoryIsChecked() throws Exception {
        Session a = session("alpha", 100);
        Session b = session("beta", 200);
        claim(a, true, "src/api/**");
        Path link = Files.createSymbolicLink(tmp.resolve("api-link"), root.resolve("src/api"));
        assertEquals(Claims.Verdict.DENY, b.claims().checkEdit(b.name(), repo, root, link.resolve("new.ts").toString(),
                Claims.Policy.DEFAULT).verdict());
    }
}
