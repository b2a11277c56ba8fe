package dev.claudemesh.mesh;

import dev.claudemesh.identity.PeerNames;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** Work one peer gives another: delegated once, completed (or failed) once, by the peer it was given to only. */
final class Tasks {
    private final MeshContext ctx;
    private final MeshStore store;
    private final Presence presence;

    Tasks(MeshContext ctx, Presence presence) {
        this.ctx = ctx;
        this.store = ctx.store;
        this.presence = presence;
    }

    Task delegate(String from, String to, String description, Optional<String> context) {
        Peer target = presence.recipient(from, to, "delegate to");
        ctx.checkText("description", description, false);
        context.ifPresent(c -> ctx.checkText("context", c, true));
        Instant now = ctx.now();
        Task t = new Task(ctx.newId("t_"), from, target.name(), description, context.filter(c -> !c.isBlank()),
                TaskStatus.PENDING, Optional.empty(), now, Optional.empty(), Optional.empty());
        String body = t.context().map(c -> description + "\n\nContext:\n" + c).orElse(description);
        store.addTask(t, new Outgoing(t.id(), InboxItem.TASK, from, body, null, t.id(), null, now));
        return t;
    }

    Task complete(String self, String taskId, TaskStatus status, String result) {
        if (status == TaskStatus.PENDING) {
            throw new MeshException("status must be completed or failed");
        }
        ctx.checkText("result", result, false);
        Task t = store.task(taskId == null ? "" : taskId.trim()).orElseThrow(() -> new MeshException(
                "No task with id '" + PeerNames.printable(String.valueOf(taskId)) + "'. Use the task_id shown with the task (it starts with 't_')."));
        if (!PeerNames.key(t.assignee()).equals(PeerNames.key(self))) {
            throw new MeshException("Task " + t.id() + " was given to '" + t.assignee() + "', not to you ('" + self
                    + "'); only '" + t.assignee() + "' can complete it.");
        }
        Outgoing note = new Outgoing(t.id(), InboxItem.TASK_RESULT, self, result, null, t.id(), status.wire(), ctx.now());
        if (!store.completeTask(t.id(), self, status, result, note)) {
            throw new MeshException("Task " + t.id() + " is already " + store.task(t.id()).map(x -> x.status().wire()).orElse("closed")
                    + "; nothing more to do.");
        }
        return store.task(t.id()).orElseThrow();
    }

    List<Task> delegatedBy(String self) {
        return store.tasksDelegatedBy(self);
    }

    List<Task> assignedTo(String self) {
        return store.tasksAssignedTo(self);
    }

    /** The tasks given to {@code self} that it has not completed yet: what keeps it from going idle. */
    List<Task> pendingFor(String self) {
        return assignedTo(self).stream().filter(t -> t.status() == TaskStatus.PENDING).toList();
    }
}
