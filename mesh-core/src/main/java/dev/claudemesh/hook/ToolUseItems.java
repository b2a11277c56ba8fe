package dev.claudemesh.hook;

import dev.claudemesh.config.ConfigException;
import dev.claudemesh.config.Settings;
import dev.claudemesh.mesh.InboxItem;

import java.util.List;
import java.util.Locale;

/**
 * What the PostToolUse hook brings into a session in the middle of its work ({@code MESH_TOOL_USE_ITEMS}). By
 * default only what someone waits on: questions (the asker blocks) and tasks. Messages, answers and broadcasts
 * wait for the next prompt or stop, because notes that arrive mid-task are easily taken as part of the task.
 */
public enum ToolUseItems {
    /** Questions and tasks (the default). */
    QUESTIONS("questions", List.of(InboxItem.QUESTION, InboxItem.TASK)),
    /** Every kind of item. */
    ALL("all", List.of()),
    /** Nothing: items wait for the next prompt or stop. */
    OFF("off", List.of());

    public static final String SETTING = "MESH_TOOL_USE_ITEMS";

    public final String wire;
    /** The kinds to offer, every kind when empty (see {@link dev.claudemesh.mesh.Inbox#offerNext}). */
    public final List<String> kinds;

    ToolUseItems(String wire, List<String> kinds) {
        this.wire = wire;
        this.kinds = kinds;
    }

    public static ToolUseItems from(Settings settings) {
        String v = settings.get(SETTING).orElse(QUESTIONS.wire).strip().toLowerCase(Locale.ROOT);
        for (ToolUseItems t : values()) {
            if (t.wire.equals(v)) {
                return t;
            }
        }
        throw new ConfigException(SETTING + " must be questions, all or off, got '" + v + "'");
    }
}
