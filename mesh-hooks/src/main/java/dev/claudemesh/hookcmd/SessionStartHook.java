package dev.claudemesh.hookcmd;

import dev.claudemesh.hook.HookOutput;
import dev.claudemesh.hook.HookText;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerText;
import dev.claudemesh.mesh.PeerView;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.PeerScope;
import dev.claudemesh.mesh.Task;
import dev.claudemesh.mesh.TaskStatus;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * SessionStart: joins the mesh and tells the model who it is, who else is here, and what waits for it:
 * open questions and pending tasks (again, after /clear), and anything queued while no session had its name.
 */
@Command(name = "session-start", mixinStandardHelpOptions = true,
        description = "SessionStart hook: registers this session as an active peer and prints who it is, who else is online, and what waits for it.")
final class SessionStartHook implements Callable<String> {

    @Override
    public String call() throws Exception {
        try (HookSession s = HookSession.open()) {
            Peer me = s.mesh.startSession(s.identity, s.sessionId(), s.input.string("source").orElse(""));
            List<PeerView> online = s.mesh.listPeers(me.name(), s.identity, PeerScope.MACHINE, false);
            List<Question> questions = s.mesh.openQuestionsFor(me.name());
            List<Task> tasks = s.mesh.tasksAssignedTo(me.name()).stream().filter(t -> t.status() == TaskStatus.PENDING).toList();
            Set<String> shown = new java.util.HashSet<>();
            questions.forEach(q -> shown.add(q.id()));
            tasks.forEach(t -> shown.add(t.id()));
            s.mesh.store().markDelivered(me.name(), shown, s.mesh.now());
            List<InboxItem> queued = s.mesh.takeInbox(me.name(), HookText.BUDGET / 2).stream()
                    .filter(i -> !shown.contains(i.id())).collect(Collectors.toList());
            int left = s.mesh.store().waitingCount(me.name());
            return HookOutput.context("SessionStart", render(me, online, questions, tasks, queued, left));
        }
    }

    static String render(Peer me, List<PeerView> online, List<Question> questions, List<Task> tasks,
                         List<InboxItem> queued, int left) {
        StringBuilder out = new StringBuilder("claude-mesh: this session is peer '").append(me.name())
                .append("' (project ").append(me.projectPath()).append("). ");
        if (online.isEmpty()) {
            out.append("No other peers are online.");
        } else {
            out.append(online.size()).append(" other peer(s) online; their summaries are their own words:\n");
            StringBuilder list = new StringBuilder();
            for (PeerView p : online) {
                list.append("- ").append(p.name()).append(" (").append(p.projectPath()).append(")")
                        .append(p.summary().isEmpty() ? "" : ": " + p.summary()).append('\n');
            }
            out.append(PeerText.frame("list", Map.of("source", "mesh"), list.toString().strip()));
        }
        out.append("\nTools: list_peers, ask_peer/reply_to_peer (questions), tell_peer, broadcast, subscribe, "
                + "delegate_task/complete_task/list_tasks, poll_inbox, register, set_summary.");
        if (!questions.isEmpty() || !tasks.isEmpty() || !queued.isEmpty()) {
            out.append("\nWaiting for you. ").append(PeerText.NOTICE).append('\n');
            List<String> framed = new ArrayList<>();
            questions.forEach(q -> framed.add(HookText.question(q)));
            tasks.forEach(t -> framed.add(HookText.task(t)));
            queued.forEach(i -> framed.add(HookText.item(i)));
            HookText.appendWithin(out, framed, HookText.BUDGET - out.length());
            out.append(HookText.whatToDo(!questions.isEmpty(), !tasks.isEmpty()));
            if (left > 0) {
                out.append("\n").append(left).append(" more item(s) are waiting: call poll_inbox to read them.");
            }
        }
        return out.toString().strip();
    }
}
