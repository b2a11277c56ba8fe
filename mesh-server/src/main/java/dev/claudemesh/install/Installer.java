package dev.claudemesh.install;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Plans what {@code install} and {@code uninstall} change in Claude Code's configuration: the MCP server
 * entry in one file, the hooks in another. Both files are read and every change is worked out before
 * anything is written, so a malformed or unexpected file stops the whole command with nothing changed.
 */
public final class Installer {
    /** A user's own configuration is private; a project's is meant to be committed and shared. */
    private static final Set<PosixFilePermission> PRIVATE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> SHARED = PosixFilePermissions.fromString("rw-r--r--");

    private Installer() {
    }

    /** The changes of one command, one edit per file (unchanged files included, with no change). */
    public record Plan(List<FileEdit> edits) {
        public boolean changesAnything() {
            return edits.stream().anyMatch(FileEdit::changed);
        }
    }

    public static Plan install(Scope scope, UserFiles home, Path project, Installation installation, boolean withWake) {
        Set<MeshHook> wanted = new LinkedHashSet<>(MeshHook.STANDARD);
        if (withWake) {
            wanted.add(MeshHook.WAKE);
        }
        JsonFile mcp = JsonFile.read(scope.mcpFile(home, project));
        JsonFile settings = JsonFile.read(scope.settingsFile(home, project));
        ObjectNode servers = mcp.edit();
        List<String> serverChanges = McpServerEntry.install(servers, mcp.path, installation);
        ObjectNode hooks = settings.edit();
        List<String> hookChanges = new ArrayList<>(HookEntries.install(hooks, settings.path, installation, wanted));
        hookChanges.addAll(EditGuardHook.install(hooks, settings.path));
        Set<PosixFilePermission> mode = scope == Scope.USER ? PRIVATE : SHARED;
        return new Plan(List.of(edit(mcp, servers, serverChanges, mode, holdsOurs(mcp)),
                edit(settings, hooks, hookChanges, mode, holdsOurs(settings))));
    }

    public static Plan uninstall(Scope scope, UserFiles home, Path project) {
        List<FileEdit> edits = new ArrayList<>();
        edits.add(uninstall(JsonFile.read(scope.mcpFile(home, project)), McpServerEntry::uninstall));
        edits.add(uninstall(JsonFile.read(scope.settingsFile(home, project)),
                (config, original) -> {
                    List<String> changes = new ArrayList<>(EditGuardHook.uninstall(config, original));
                    changes.addAll(HookEntries.uninstall(config, original, Set.of(MeshHook.values())));
                    return changes;
                }));
        return new Plan(edits);
    }

    /**
     * Removes only the wake hook ({@code uninstall --wake-only}): the server entry and the other hooks stay,
     * and so does the backup, for a later full uninstall.
     */
    public static Plan uninstallWake(Scope scope, UserFiles home, Path project) {
        JsonFile settings = JsonFile.read(scope.settingsFile(home, project));
        return new Plan(List.of(uninstall(settings,
                (config, original) -> HookEntries.uninstall(config, original, Set.of(MeshHook.WAKE)))));
    }

    /**
     * Whether a file already holds one of claude-mesh's entries. Such a file is not backed up: the backup is
     * the user's file from before claude-mesh, and a copy taken now would hold our own entries (from an earlier
     * install that created the file) and pass them off as the user's, which uninstall would then keep.
     */
    private static boolean holdsOurs(JsonFile file) {
        ObjectNode config = file.edit();
        return McpServerEntry.find(config).filter(McpServerEntry::isOurs).isPresent() || !HookEntries.find(config).isEmpty()
                || EditGuardHook.present(config);
    }

    /**
     * The file before claude-mesh first changed it (its backup) tells uninstall which containers
     * ({@code hooks}, {@code mcpServers}, an event's list) were already there, and when nothing else has
     * changed since, it is written back as it was, byte for byte, even in a layout Jackson cannot reproduce.
     * Without a backup, install created the file: it goes when nothing else is left in it.
     */
    private static FileEdit uninstall(JsonFile file, BiFunction<ObjectNode, Optional<ObjectNode>, List<String>> remove) {
        Path backup = FileEdit.backupOf(file.path);
        Optional<JsonFile> before = Files.exists(backup) ? Optional.of(JsonFile.read(backup)) : Optional.empty();
        // A backup that holds our own entries was taken by an earlier version from a file a first install had
        // created; it says nothing about the user's file, so it is treated as no backup.
        before = before.filter(b -> !holdsOurs(b));
        ObjectNode config = file.edit();
        List<String> changes = remove.apply(config, before.map(JsonFile::edit));
        String after;
        if (changes.isEmpty()) {
            after = file.text().orElse(null);
        } else if (before.isEmpty()) {
            after = config.isEmpty() ? null : file.render(config);
        } else if (before.get().sameContent(config)) {
            // Nothing else changed since install: the file as it was, to the byte, whatever its layout.
            after = before.get().text().orElse(null);
        } else {
            after = file.render(config);
        }
        return new FileEdit(file.path, file.text().orElse(null), after, changes, file.keepsLayout(), null, false);
    }

    private static FileEdit edit(JsonFile file, ObjectNode after, List<String> changes, Set<PosixFilePermission> mode,
                                 boolean holdsOurs) {
        String before = file.text().orElse(null);
        String text = file.sameContent(after) ? before : file.render(after);
        return new FileEdit(file.path, before, text, changes, file.keepsLayout(), mode, !holdsOurs);
    }
}
