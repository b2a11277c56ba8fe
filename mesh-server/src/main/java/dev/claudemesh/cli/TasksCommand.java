package dev.claudemesh.cli;

import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.mesh.PeerView;
import dev.claudemesh.mesh.Task;
import dev.claudemesh.mesh.TaskStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "tasks", mixinStandardHelpOptions = true,
        description = "List the tasks in the mesh, oldest first, with their state (pending, completed, failed) and result.")
final class TasksCommand implements Callable<Integer> {
    private static final String ROW = "%-14s %-9s %-20s %-16s %-16s %s%n";

    @Option(names = {"-p", "--peer"}, paramLabel = "NAME", description = "Only the tasks given to NAME or by NAME.")
    String peer;

    @Option(names = "--pending", description = "Only the tasks not yet completed or failed.")
    boolean pending;

    @Option(names = "--json", description = "One JSON object per task per line (id, status, from, to, created_at, "
            + "completed_at, description, context, result); nothing when there is none.")
    boolean json;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (peer != null && PeerNames.problem(peer) != null) {
            throw new ParameterException(spec.commandLine(), Typed.option(spec, "--peer", "-p") + ": "
                    + TerminalText.line(PeerNames.problem(peer)));
        }
        try (MeshOpener m = new MeshOpener()) {
            // Every task has a delegator and an assignee; asking for both sides of every name known (and of the
            // command line's, which may have no record) finds each task at least once.
            List<String> names = new ArrayList<>();
            if (peer != null) {
                names.add(peer);
            } else {
                m.mesh.allPeers().stream().map(PeerView::name).forEach(names::add);
                names.add(m.mesh.commandLineName());
            }
            Map<String, Task> byId = new LinkedHashMap<>();
            for (String name : names) {
                m.mesh.tasksAssignedTo(name).forEach(t -> byId.putIfAbsent(t.id(), t));
                m.mesh.tasksDelegatedBy(name).forEach(t -> byId.putIfAbsent(t.id(), t));
            }
            List<Task> tasks = byId.values().stream().filter(t -> !pending || t.status() == TaskStatus.PENDING)
                    .sorted(Comparator.comparing(Task::createdAt).thenComparing(Task::id)).toList();
            if (json) {
                for (Task t : tasks) {
                    Map<String, Object> o = JsonLines.object();
                    o.put("id", t.id());
                    o.put("status", t.status().wire());
                    o.put("from", t.delegator());
                    o.put("to", t.assignee());
                    o.put("created_at", t.createdAt());
                    o.put("completed_at", t.completedAt().orElse(null));
                    o.put("description", t.description());
                    o.put("context", t.context().orElse(null));
                    o.put("result", t.result().orElse(null));
                    JsonLines.print(o);
                }
                return 0;
            }
            if (tasks.isEmpty()) {
                System.out.println("No " + (pending ? "pending " : "") + "tasks" + (peer == null ? "" : " given to or by "
                        + TerminalText.line(peer)) + ".");
                return 0;
            }
            System.out.printf(ROW, "ID", "STATUS", "CREATED (UTC)", "FROM", "TO", "TASK / RESULT");
            for (Task t : tasks) {
                String what = TerminalText.line(t.description(), 60) + t.result().map(r -> "  => " + TerminalText.line(r, 60)).orElse("");
                System.out.printf(ROW, t.id(), t.status().wire(), t.createdAt().toString().substring(0, 19) + "Z",
                        TerminalText.line(t.delegator()), TerminalText.line(t.assignee()), what);
            }
            return 0;
        }
    }
}
