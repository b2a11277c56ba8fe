package dev.claudemesh.mesh;

import dev.claudemesh.identity.PeerNames;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * File leases: a session claims paths of its repository for a while, and other sessions' edits of them are
 * stopped (exclusive) or noted (shared) at the tool call. The rules live here alone:
 * <ul>
 *   <li>a lease holds while its time lasts and its session lives, judged as peers are ({@link Mesh#statusOf});
 *       it belongs to the session (its name and its server process), so a later session that takes the same name
 *       does not inherit it. Leases found over are ended on the way, as {@code expired} or {@code session-ended};</li>
 *   <li>an exclusive claim that overlaps another live session's exclusive lease is refused, naming it; any other
 *       claim is granted and told what it overlaps;</li>
 *   <li>an edit of a file another live session holds exclusively is refused (or asked about, as the user chose),
 *       naming the holder, its reason and how to reach it; a shared lease lets it through with a note.</li>
 * </ul>
 */
public final class Claims {
    public static final int DEFAULT_TTL_SECONDS = 3600;
    public static final int MAX_TTL_SECONDS = 86_400;
    public static final int MAX_PATHS = 100;
    public static final int MAX_REASON_CHARS = 500;
    /** How an automatic lease (the {@link Policy#autoClaim} option) explains itself. */
    static final String AUTO_REASON = "editing it (a lease taken automatically at this session's first edit of the file)";

    /**
     * The repository a session works in.
     *
     * @param key  what leases are filed under: the normalised remote URL when it has one (clones on several hosts
     *             share leases), else host:root
     * @param root the directory paths are relative to (the git root, else the project)
     */
    public record Repository(String key, Path root) {
    }

    /**
     * What the user chose: {@code ask} makes Claude Code ask them about an edit another session holds exclusively
     * instead of refusing it; {@code autoClaim}, when not zero, takes a shared lease of that long at this session's
     * first edit of a file, so others are warned.
     */
    public record Policy(boolean ask, Duration autoClaim) {
        public static final Policy DEFAULT = new Policy(false, Duration.ZERO);
    }

    /** A granted claim and the other sessions' live leases that overlap it. */
    public record Granted(Lease lease, List<Lease> overlaps) {
    }

    /** What an edit may do. */
    public enum Verdict { ALLOW, NOTE, DENY, ASK }

    /**
     * The verdict on one edit, with the file relative to the root (empty when outside the repository), the others'
     * leases that cover it (exclusive ones for DENY and ASK, shared ones for NOTE), and a lease taken for it.
     */
    public record EditCheck(Verdict verdict, Optional<String> file, List<Lease> holders, Optional<Lease> taken) {
    }

    private final MeshStore store;
    private final Mesh mesh;
    private final Processes processes;
    private SecureRandom random;

    Claims(MeshStore store, Mesh mesh, Processes processes) {
        this.store = store;
        this.mesh = mesh;
        this.processes = processes;
    }

    // ------------------------------------------------------------------ claiming and releasing

    public Granted claim(String self, Repository repo, List<String> paths, String reason, Optional<Long> ttlSeconds, boolean exclusive) {
        List<String> globs = globs(repo, paths);
        if (reason == null || reason.isBlank()) {
            throw new MeshException("reason is empty; say why you claim these paths (peers see it when their edit is stopped)");
        }
        if (reason.length() > MAX_REASON_CHARS) {
            throw new MeshException("reason is " + reason.length() + " characters, over the limit of " + MAX_REASON_CHARS + "; shorten it");
        }
        long ttl = ttlSeconds.orElse((long) DEFAULT_TTL_SECONDS);
        if (ttl < 1 || ttl > MAX_TTL_SECONDS) {
            throw new MeshException("ttl_seconds must be between 1 and " + MAX_TTL_SECONDS + " (got " + ttl + ")");
        }
        Peer me = store.peer(self).orElseThrow(() -> new MeshException("this session ('" + self + "') is not in the mesh; call register first"));
        Instant now = mesh.now();
        Lease lease = new Lease(newId(), repo.key(), me.name(), mesh.host(), processes.self(), exclusive, reason.strip(),
                now, now.plus(Duration.ofSeconds(ttl)), globs);
        List<Lease> live = live(Optional.of(repo.key()));
        List<Lease> refusedBy = new ArrayList<>();
        boolean stored = store.addLease(lease, open -> {
            // Read again in the claim's own transaction: an exclusive claim made meanwhile counts too.
            refusedBy.clear();
            if (exclusive) {
                open.stream().filter(l -> l.exclusive() && !mine(l, me) && now.isBefore(l.expiresAt()) && overlaps(l, globs))
                        .forEach(refusedBy::add);
            }
            return refusedBy.isEmpty();
        });
        if (!stored) {
            Lease l = refusedBy.get(0);
            throw new MeshException(describe(l, overlapping(l, globs)) + " So this exclusive claim was refused. Ask it with "
                    + askHint(l) + ", claim with exclusive: false to share, or wait until it releases them.");
        }
        return new Granted(lease, live.stream().filter(l -> !mine(l, me) && overlaps(l, globs)).toList());
    }

    /** Ends this session's lease {@code leaseId}, or the globs {@code paths} of its leases; returns the leases touched. */
    public List<Lease> release(String self, Repository repo, Optional<String> leaseId, List<String> paths) {
        if (leaseId.isPresent() == !paths.isEmpty()) {
            throw new MeshException("give lease_id (from claim_files) or paths (the globs you claimed), one of them");
        }
        Peer me = store.peer(self).orElseThrow(() -> new MeshException("this session ('" + self + "') is not in the mesh"));
        List<Lease> mineOpen = live(Optional.empty()).stream().filter(l -> mine(l, me)).toList();
        if (leaseId.isPresent()) {
            String id = leaseId.get().trim();
            Optional<Lease> l = mineOpen.stream().filter(x -> x.id().equals(id)).findFirst();
            if (l.isEmpty()) {
                Optional<Lease> other = live(Optional.empty()).stream().filter(x -> x.id().equals(id)).findFirst();
                throw new MeshException(other.isPresent()
                        ? "lease " + id + " is held by '" + other.get().holder() + "'; only it can release it"
                        : "no open lease '" + PeerNames.printable(id) + "' of yours" + held(mineOpen));
            }
            store.endLeases(List.of(id), List.of(), "released", mesh.now());
            return List.of(l.get());
        }
        List<String> globs = globs(repo, paths);
        List<Lease> touched = new ArrayList<>();
        for (Lease l : mineOpen) {
            List<String> these = l.globs().stream().filter(globs::contains).toList();
            if (l.repo().equals(repo.key()) && !these.isEmpty()) {
                touched.add(l.with(these));
            }
        }
        if (touched.isEmpty()) {
            throw new MeshException("you hold none of " + String.join(", ", globs) + " in this repository" + held(mineOpen));
        }
        for (Lease l : touched) {
            store.endLeases(List.of(l.id()), l.globs(), "released", mesh.now());
        }
        return touched;
    }

    /** The live leases of {@code repo} (every repository, when empty), oldest first. */
    public List<Lease> list(Optional<Repository> repo) {
        return live(repo.map(Repository::key));
    }

    /** Claims and their ends after log position {@code afterSeq}, oldest first, at most {@code limit} (for tail). */
    public List<Lease.Event> eventsAfter(long afterSeq, int limit) {
        return store.leaseEventsAfter(afterSeq, limit);
    }

    /** Whether {@code l} belongs to the session of {@code self} (name and server process), not only to its name. */
    public boolean isMine(String self, Lease l) {
        return store.peer(self).map(me -> mine(l, me)).orElse(false);
    }

    // ------------------------------------------------------------------ the edit check

    /**
     * Whether session {@code self} may edit {@code filePath} (absolute, or relative to {@code projectDir}): refused
     * or asked about when another live session holds it exclusively, noted when others share it, allowed otherwise
     * (a file outside the repository too). With {@link Policy#autoClaim}, an allowed edit of a file this session
     * holds nothing of takes a shared lease of it.
     */
    public EditCheck checkEdit(String self, Repository repo, Path projectDir, String filePath, Policy policy) {
        if (filePath == null || filePath.isBlank()) {
            return new EditCheck(Verdict.ALLOW, Optional.empty(), List.of(), Optional.empty());
        }
        Optional<String> rel = inside(repo.root(), projectDir, filePath.strip());
        if (rel.isEmpty()) {
            return new EditCheck(Verdict.ALLOW, Optional.empty(), List.of(), Optional.empty());
        }
        PathGlob file;
        try {
            file = PathGlob.file(rel.get());
        } catch (MeshException notAPath) {
            return new EditCheck(Verdict.ALLOW, Optional.empty(), List.of(), Optional.empty());
        }
        Optional<Peer> me = store.peer(self);
        List<Lease> covering = live(Optional.of(repo.key())).stream()
                .filter(l -> l.globs().stream().anyMatch(g -> PathGlob.parse(g).covers(file))).toList();
        List<Lease> others = covering.stream().filter(l -> me.isEmpty() || !mine(l, me.get())).toList();
        List<Lease> exclusive = others.stream().filter(Lease::exclusive).toList();
        if (!exclusive.isEmpty()) {
            return new EditCheck(policy.ask() ? Verdict.ASK : Verdict.DENY, rel, exclusive, Optional.empty());
        }
        Optional<Lease> taken = Optional.empty();
        if (!policy.autoClaim().isZero() && me.isPresent() && covering.size() == others.size()) {
            Instant now = mesh.now();
            Lease auto = new Lease(newId(), repo.key(), me.get().name(), mesh.host(), processes.self(), false, AUTO_REASON,
                    now, now.plus(policy.autoClaim()), List.of(file.toString()));
            if (store.addLease(auto, open -> true)) {
                taken = Optional.of(auto);
            }
        }
        return new EditCheck(others.isEmpty() ? Verdict.ALLOW : Verdict.NOTE, rel, others, taken);
    }

    /** One holder's lease in words: who, which paths, since and until when, and why (framed: the reason is peer text). */
    public static String describe(Lease l, List<String> globs) {
        java.util.Map<String, String> attrs = new java.util.LinkedHashMap<>();
        attrs.put("from", l.holder());
        attrs.put("lease_id", l.id());
        return "'" + l.holder() + "' holds " + String.join(", ", globs) + (l.exclusive() ? " exclusively" : " (shared)")
                + " (lease " + l.id() + ", since " + l.claimedAt() + ", until " + l.expiresAt() + "), for this reason: "
                + PeerText.frame("claim_reason", attrs, l.reason());
    }

    /** How to reach the holder: an {@code ask_peer} call the model can make as it stands. */
    public static String askHint(Lease l) {
        return "ask_peer {\"to\": \"" + l.holder() + "\", \"question\": \"…\"}";
    }

    /** The globs of {@code l} that overlap {@code globs}. */
    public static List<String> overlapping(Lease l, List<String> globs) {
        return l.globs().stream().filter(g -> globs.stream().anyMatch(x -> PathGlob.parse(g).overlaps(PathGlob.parse(x)))).toList();
    }

    // ------------------------------------------------------------------ the rules

    /**
     * The open leases (of {@code repo}, or all) that still hold; those whose time ran out or whose session ended
     * are ended here, so the log says how each went.
     */
    private List<Lease> live(Optional<String> repo) {
        Instant now = mesh.now();
        List<Lease> live = new ArrayList<>();
        List<String> expired = new ArrayList<>();
        List<String> ended = new ArrayList<>();
        for (Lease l : store.openLeases(repo)) {
            if (!now.isBefore(l.expiresAt())) {
                expired.add(l.id());
            } else if (!sessionLives(l)) {
                ended.add(l.id());
            } else {
                live.add(l);
            }
        }
        try {
            if (!expired.isEmpty()) {
                store.endLeases(expired, List.of(), "expired", now);
            }
            if (!ended.isEmpty()) {
                store.endLeases(ended, List.of(), "session-ended", now);
            }
        } catch (StoreException busy) {
            // Left out either way; the next reader records how they ended.
        }
        return live;
    }

    /** The lease's session still runs: its name's row is the same server's, and that peer is not offline. */
    private boolean sessionLives(Lease l) {
        return store.peer(l.holder()).filter(p -> sameSession(l, p)).map(p -> mesh.statusOf(p) != PeerStatus.OFFLINE).orElse(false);
    }

    private static boolean sameSession(Lease l, Peer p) {
        return p.host().equals(l.host()) && p.server().map(s -> s.pid() == l.server().pid()
                && Processes.sameStart(s.startedAtMs(), l.server().startedAtMs())).orElse(false);
    }

    private boolean mine(Lease l, Peer me) {
        return PeerNames.key(l.holder()).equals(PeerNames.key(me.name())) && sameSession(l, me);
    }

    private static boolean overlaps(Lease l, List<String> globs) {
        return !overlapping(l, globs).isEmpty();
    }

    private static String held(List<Lease> mine) {
        if (mine.isEmpty()) {
            return "; you hold no leases";
        }
        StringBuilder sb = new StringBuilder("; you hold:");
        for (Lease l : mine) {
            sb.append(' ').append(l.id()).append(" (").append(String.join(", ", l.globs())).append(')');
        }
        return sb.toString();
    }

    /** The normal forms of {@code paths}, each made relative to the repository root first; refused with what to do. */
    private static List<String> globs(Repository repo, List<String> paths) {
        if (paths == null || paths.isEmpty()) {
            throw new MeshException("paths is empty; give files or globs relative to the repository root (" + repo.root() + "), such as src/api/**");
        }
        if (paths.size() > MAX_PATHS) {
            throw new MeshException("paths holds " + paths.size() + " entries, over the limit of " + MAX_PATHS + "; claim a directory glob instead");
        }
        Set<String> out = new LinkedHashSet<>();
        for (String p : paths) {
            out.add(PathGlob.parse(relativeToRoot(repo.root(), p)).toString());
        }
        return List.copyOf(out);
    }

    /** An absolute path inside the root made relative to it; a relative one as it is; one outside refused. */
    static String relativeToRoot(Path root, String raw) {
        if (raw == null || !raw.startsWith("/")) {
            return raw;
        }
        for (String seg : raw.split("/")) {
            if (seg.equals("..")) {
                throw new MeshException("'" + PeerNames.printable(raw) + "' steps out with '..'; give the path from the repository root (" + root + ") without '..'");
            }
        }
        Path p = Path.of(raw).normalize();
        if (!p.startsWith(root)) {
            throw new MeshException("'" + PeerNames.printable(raw) + "' is outside the repository (" + root
                    + "); leases are for its files: give paths relative to its root, such as src/api/**");
        }
        String rel = root.relativize(p).toString();
        return raw.endsWith("/") && !rel.isEmpty() ? rel + "/" : rel.isEmpty() ? "**" : rel;
    }

    /** {@code filePath} relative to {@code root}, looking through symbolic links of what exists; empty when outside. */
    static Optional<String> inside(Path root, Path projectDir, String filePath) {
        Path p;
        try {
            p = Path.of(filePath);
        } catch (java.nio.file.InvalidPathException e) {
            return Optional.empty();
        }
        p = (p.isAbsolute() ? p : projectDir.resolve(p)).normalize();
        if (!p.startsWith(root)) {
            // The file (or its nearest existing directory) may be reached through a link into the repository.
            Path existing = p;
            Path rest = Path.of("");
            while (existing != null && !Files.exists(existing)) {
                rest = existing.getFileName().resolve(rest);
                existing = existing.getParent();
            }
            try {
                p = existing == null ? p : existing.toRealPath().resolve(rest).normalize();
            } catch (java.io.IOException e) {
                return Optional.empty();
            }
        }
        if (!p.startsWith(root) || p.equals(root)) {
            return Optional.empty();
        }
        return Optional.of(root.relativize(p).toString());
    }

    private synchronized String newId() {
        if (random == null) {
            random = new SecureRandom();
        }
        byte[] b = new byte[6];
        random.nextBytes(b);
        return "l_" + HexFormat.of().formatHex(b);
    }
}
