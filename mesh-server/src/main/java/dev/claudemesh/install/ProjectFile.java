package dev.claudemesh.install;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.claudemesh.identity.ProjectIdentity;

import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A project's {@code .claude-mesh.json}, as {@code init} writes it: {@code "name"} set (in its place when the
 * file has one), any other key kept. The file belongs to the project and is meant to be committed, so it is
 * not backed up and is readable by all.
 */
public final class ProjectFile {
    private ProjectFile() {
    }

    public static Path of(Path project) {
        return project.resolve(ProjectIdentity.PROJECT_FILE);
    }

    /** The edit that makes the project's file name {@code name}; a malformed file is refused, untouched. */
    public static FileEdit naming(Path project, String name) {
        JsonFile file = JsonFile.read(of(project));
        ObjectNode o = file.edit();
        String old = o.path("name").isTextual() ? o.path("name").asText() : null;
        o.put("name", name);
        String before = file.text().orElse(null);
        String after = file.sameContent(o) && before != null ? before : file.render(o);
        List<String> changes = name.equals(old) ? List.of() : List.of((old == null ? "+ name: " : "~ name: ") + name
                + (old == null ? "" : " (was " + old + ")"));
        return new FileEdit(file.path, before, after, changes, file.keepsLayout(),
                PosixFilePermissions.fromString("rw-r--r--"), false);
    }
}
