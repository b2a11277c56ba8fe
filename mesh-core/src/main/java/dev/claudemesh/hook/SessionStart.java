package dev.claudemesh.hook;

import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.Inbox;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerScope;
import dev.claudemesh.mesh.PeerText;
import dev.claudemesh.mesh.PeerView;
import dev.claudemesh.mesh.StoreException;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.Task;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the SessionStart hook says: who this session is (its own server's name, waiting for the server to
 * join, since Claude Code starts both at once), who else is online, and what waits for it. Questions and
 * tasks still open are shown first, also after /clear (a new conversation has not seen them), then anything
 * queued while no session had the name. Before offering, what was offered to an earlier session with this
 * name is settled against that session's transcript: what its model saw is not shown again, the rest is.
 */
public final class SessionStart {
    /**
     * How long to wait for this session's server to join: it starts with this hook, and a first start without
     * the launchers' cache takes about a second. Inside the 10 s timeout install gives the hook.
     */
    public static final Duration SERVER_WAIT = Duration.ofSeconds(8);
    /** The list of who else is online takes at most this much of the text; list_peers has the rest. */
    static final int PEERS_BUDGET = 2_500;
    static final String EVENT = "SessionStart";

    private SessionStart() {
    }

    /** The hook's stdout, or empty when this session is not in the mesh (no claude-mesh server of its own runs). */
    public static Optional<String> answer(Mesh mesh, ProjectIdentity identity, HookInput input) throws HookException {
        String sessionId = input.string("session_id").orElseThrow(() -> new HookException("hook input has no session_id"));
        Optional<Peer> found = mesh.startSession(identity, sessionId, SERVER_WAIT);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Peer me = found.get();
        Optional<String> log = input.string("transcript_path");
        mesh.recordTranscript(me, log);

        StringBuilder out = new StringBuilder("claude-mesh: this session is peer '").append(me.name())
                .append("' (project ").append(me.projectPath()).append("). ");
        appendPeers(out, mesh.listPeers(me.name(), identity, PeerScope.MACHINE, false));
        out.append("\nTools: list_peers, ask_peer/reply_to_peer/await_answer (questions), tell_peer, broadcast, subscribe, "
                + "delegate_task/complete_task/list_tasks, poll_inbox, message_status, register, set_summary.");
        try {
            appendWaiting(out, mesh, me, log);
        } catch (StoreException busy) {
            // What waits stays queued (an offer is all or nothing) and comes with the next prompt; the session's
            // name must reach the model now.
            out.append("\n(What waits for you could not be read just now; it comes with your next prompt, or call poll_inbox.)");
        }
        return Optional.of(HookOutput.context(EVENT, HookText.bounded(out.toString().strip())));
    }

    private static void appendWaiting(StringBuilder out, Mesh mesh, Peer me, Optional<String> log) {
        Inbox inbox = mesh.inbox();
        mesh.settle(me.name(), log);

        List<Question> questions = mesh.openQuestionsFor(me.name());
        List<Task> tasks = mesh.pendingTasksFor(me.name());
        int budget = HookText.LIMIT - HookText.NOTES - out.length();
        List<String> framed = new ArrayList<>();
        List<String> openIds = new ArrayList<>();
        int used = 0;
        int notShown = 0;
        for (Question q : questions) {
            String f = HookText.question(q);
            if (used + f.length() + 1 > budget) {
                notShown++;
                continue;
            }
            framed.add(f);
            openIds.add(q.id());
            used += f.length() + 1;
        }
        for (Task t : tasks) {
            String f = HookText.task(t);
            if (used + f.length() + 1 > budget) {
                notShown++;
                continue;
            }
            framed.add(f);
            openIds.add(t.id());
            used += f.length() + 1;
        }
        // Those still queued are offered now; those seen by an earlier conversation are shown again, as it is a
        // new one, without a change of state.
        inbox.offer(me.name(), openIds, Inbox.VIA_SESSION_START, log);
        Inbox.Batch queued = inbox.offerNext(me.name(), Inbox.VIA_SESSION_START, log,
                List.of(InboxItem.MESSAGE, InboxItem.BROADCAST, InboxItem.TASK_RESULT, InboxItem.ANSWER),
                HookText.MAX_ITEMS, HookText.fitting(budget - used));
        for (InboxItem i : queued.items()) {
            framed.add(HookText.item(i));
        }
        if (!framed.isEmpty() || notShown > 0 || queued.tooLarge() > 0) {
            out.append("\nWaiting for you. ").append(PeerText.NOTICE).append('\n');
            framed.forEach(f -> out.append(f).append('\n'));
            out.append(HookText.whatToDo(!questions.isEmpty(), !tasks.isEmpty()));
            if (notShown > 0) {
                out.append("\n").append(notShown).append(" more open question(s) or task(s) did not fit here: "
                        + "call poll_inbox and list_tasks.");
            }
            out.append(HookText.more(queued));
        }
    }

    private static void appendPeers(StringBuilder out, List<PeerView> online) {
        if (online.isEmpty()) {
            out.append("No other peers are online.");
            return;
        }
        out.append(online.size()).append(" other peer(s) online; their summaries are their own words:\n");
        StringBuilder list = new StringBuilder();
        int listed = 0;
        for (PeerView p : online) {
            String line = "- " + p.name() + " (" + p.projectPath() + ")" + (p.summary().isEmpty() ? "" : ": " + p.summary()) + "\n";
            if (list.length() + line.length() > PEERS_BUDGET) {
                break;
            }
            list.append(line);
            listed++;
        }
        if (listed < online.size()) {
            list.append("(").append(online.size() - listed).append(" more: call list_peers)\n");
        }
        out.append(PeerText.frame("list", Map.of("source", "mesh"), list.toString().strip()));
    }
}
