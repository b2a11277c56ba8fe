package dev.claudemesh.identity;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.claudemesh.config.ConfigException;
import dev.claudemesh.config.MeshConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Who this process is in the mesh: the project it works in, that project's git root (for the 'repo' scope),
 * and the name it asks for.
 *
 * @param projectPath the absolute project directory
 * @param gitRoot     the enclosing git work tree, or the project path outside git
 * @param baseName    the name from .claude-mesh.json, else the directory's name made valid
 */
public record ProjectIdentity(Path projectPath, Path gitRoot, String baseName) {

    public static final String PROJECT_FILE = ".claude-mesh.json";
    private static final JsonFactory JSON = new JsonFactory();

    /**
     * Project path: CLAUDE_MESH_PROJECT_PATH, else CLAUDE_PROJECT_DIR, else the hook's stdin {@code cwd}
     * (when given), else the working directory.
     */
    public static ProjectIdentity resolve(MeshConfig config, Optional<String> hookCwd) {
        return resolve(config.projectOverride(), hookCwd, Path.of(System.getProperty("user.dir")));
    }

    /** As {@link #resolve(MeshConfig, Optional)}, for a process resolving another's identity (a hook's, in its server). */
    public static ProjectIdentity resolve(Optional<Path> projectOverride, Optional<String> hookCwd, Path workingDir) {
        Path project = projectOverride
                .or(() -> hookCwd.filter(s -> !s.isBlank()).map(Path::of))
                .orElse(workingDir);
        return of(project);
    }

    public static ProjectIdentity of(Path project) {
        Path path = canonical(project);
        return new ProjectIdentity(path, gitRoot(path), nameFor(path));
    }

    static Path canonical(Path p) {
        Path abs = p.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (IOException e) {
            return abs;
        }
    }

    static Path gitRoot(Path project) {
        for (Path dir = project; dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(".git"))) {
                return dir;
            }
        }
        return project;
    }

    /** The name in {@code <project>/.claude-mesh.json}, or the directory's name when there is no such file. */
    static String nameFor(Path project) {
        Path file = project.resolve(PROJECT_FILE);
        if (Files.isRegularFile(file)) {
            return readName(file).orElseGet(() -> PeerNames.fromDirectoryName(dirName(project)));
        }
        return PeerNames.fromDirectoryName(dirName(project));
    }

    private static String dirName(Path project) {
        Path f = project.getFileName();
        return f == null ? "root" : f.toString();
    }

    /** Reads {"name": "..."}; a malformed file or a bad name is an error that names the file. */
    public static Optional<String> readName(Path file) {
        String name = null;
        try (JsonParser p = JSON.createParser(file.toFile())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ConfigException(file + ": expected a JSON object such as {\"name\": \"backend\"}");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if ("name".equals(field)) {
                    if (v != JsonToken.VALUE_STRING) {
                        throw new ConfigException(file + ": \"name\" must be a string such as \"backend\"");
                    }
                    name = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new ConfigException(file + ": is not valid JSON (unexpected content after the object); "
                        + "it should hold one object such as {\"name\": \"backend\"}");
            }
        } catch (JsonProcessingException e) {
            throw new ConfigException(file + ": is not valid JSON (" + e.getOriginalMessage()
                    + " at line " + e.getLocation().getLineNr() + "); fix it or delete it to use the directory name");
        } catch (IOException e) {
            throw new ConfigException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        if (name == null) {
            return Optional.empty();
        }
        String problem = PeerNames.problem(name);
        if (problem != null) {
            throw new ConfigException(file + ": " + problem + "; edit \"name\" in that file");
        }
        return Optional.of(name);
    }
}
