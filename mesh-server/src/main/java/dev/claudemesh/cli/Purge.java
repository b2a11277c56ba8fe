package dev.claudemesh.cli;

import dev.claudemesh.config.Home;
import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.install.Scope;
import dev.claudemesh.install.UserFiles;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What {@code uninstall --purge} removes: the mesh's own files and nothing else, each named. The SQLite database
 * and every file the mesh keeps beside it, the FILE.claude-mesh-backup copies install made, and the launchers'
 * start-up cache (its entries only, so a CLAUDE_MESH_CACHE_DIR that holds other things keeps them); then each
 * directory the mesh made, when that leaves it empty. A PostgreSQL mesh is another machine's to drop.
 */
final class Purge {
    /** Files beside the database: SQLite's and the schema lock. */
    private static final List<String> BESIDE_DB = List.of("-wal", "-shm", "-journal", ".migrate-lock");

    final List<Path> files = new ArrayList<>();
    /** Removed when they are empty once the files are gone, in this order. */
    final List<Path> dirs = new ArrayList<>();
    final Optional<String> remoteMesh;

    private Purge(Optional<String> remoteMesh) {
        this.remoteMesh = remoteMesh;
    }

    static Purge plan(Settings settings, MeshConfig config, UserFiles user, Path project) {
        Purge p = new Purge(config.dbUrl().map(u -> u.display()));
        Set<Path> files = new LinkedHashSet<>();
        if (config.dbUrl().isEmpty()) {
            Path db = config.dbPath();
            files.add(db);
            BESIDE_DB.forEach(s -> files.add(db.resolveSibling(db.getFileName() + s)));
            files.addAll(list(db.getParent(), db.getFileName() + ".wait-"));
            // The hooks' sockets, and their directory when nothing else is in it (MESH_DB_PATH may name any directory).
            Path run = db.resolveSibling("run"); // where HookSocket.dir puts them (the hook package is not the CLI's)
            list(run, "").stream().filter(f -> f.getFileName().toString().endsWith(".sock")).forEach(files::add);
            p.dirs.add(run);
            p.dirs.add(db.getParent());
        }
        for (Scope s : Scope.values()) {
            for (Path edited : List.of(s.mcpFile(user, project), s.settingsFile(user, project))) {
                files.add(edited.resolveSibling(edited.getFileName() + ".claude-mesh-backup"));
            }
        }
        Optional<Path> cache = cacheDir(settings);
        cache.ifPresent(c -> {
            for (String prefix : List.of("native-", ".preparing")) {
                files.addAll(list(c, prefix));
            }
            try (Stream<Path> all = Files.list(c)) {
                all.filter(f -> f.getFileName().toString().contains(".jsa")).forEach(files::add);
            } catch (IOException e) {
                // no cache
            }
            p.dirs.add(0, c); // before ~/.claude-mesh, which holds it by default
        });
        settings.environment(Home.VARIABLE).filter(h -> !h.isBlank()).map(h -> Path.of(h).resolve(".claude-mesh"))
                .filter(d -> !p.dirs.contains(d)).ifPresent(p.dirs::add);
        files.stream().filter(f -> Files.exists(f, LinkOption.NOFOLLOW_LINKS)).forEach(p.files::add);
        return p;
    }

    /** The launchers' cache: CLAUDE_MESH_CACHE_DIR when absolute, else ~/.claude-mesh/cache (see bin/claude-mesh-cache-key). */
    static Optional<Path> cacheDir(Settings settings) {
        Optional<String> set = settings.environment("CLAUDE_MESH_CACHE_DIR").filter(v -> !v.isEmpty());
        if (set.isPresent()) {
            return set.filter(v -> v.startsWith("/")).map(Path::of);
        }
        return settings.environment(Home.VARIABLE).filter(h -> !h.isBlank()).map(h -> Path.of(h, ".claude-mesh", "cache"));
    }

    private static List<Path> list(Path dir, String prefix) {
        List<Path> out = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir, f -> f.getFileName().toString().startsWith(prefix))) {
            s.forEach(out::add);
        } catch (IOException e) {
            // nothing to list
        }
        return out;
    }

    boolean isEmpty() {
        return files.isEmpty() && dirs.stream().noneMatch(Files::isDirectory);
    }

    /** Removes every file (a directory with what it holds, never following a link), then the directories left empty. */
    List<String> run() throws IOException {
        List<String> done = new ArrayList<>();
        for (Path f : files) {
            deleteTree(f);
            done.add("removed " + f);
        }
        for (Path d : dirs) {
            if (Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> left = Files.list(d)) {
                    if (left.findAny().isEmpty()) {
                        Files.delete(d);
                        done.add("removed " + d + "/");
                    }
                }
            }
        }
        return done;
    }

    private static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> walk = Files.walk(p)) {
                for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(each);
                }
            }
        } else {
            Files.deleteIfExists(p);
        }
    }
}
