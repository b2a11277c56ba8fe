package dev.claudemesh.hook;

import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.Inbox;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerText;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.StopVerdict;
import dev.claudemesh.mesh.Task;

import java.util.List;
import java.util.Optional;

/**
 * What the inbox-poll hook answers (UserPromptSubmit and Stop), in one place for every way it runs: in the
 * hook's own process on the database, or in its session's server on the hook's behalf ({@link HookSocket}).
 * First it settles what earlier offers to this session became (seen, or back in the queue); on a prompt it
 * then brings new items into the conversation; on Stop it keeps the session working while a peer waits for
 * its answer or a task given to it is pending.
 */
public final class InboxPoll {
    public static final String PROMPT = "UserPromptSubmit";
    public static final String STOP = "Stop";

    /**
     * What to print, and which items it offered to {@code recipient}: should the text never reach the model
     * (the hook died before printing it), they go back to the queue at once ({@link Inbox#notDelivered}).
     */
    public record Answer(String stdout, String recipient, List<String> offered) {
        static final Answer NOTHING = new Answer("", "", List.of());
    }

    private InboxPoll() {
    }

    /**
     * @param mesh     the mesh as the hook process sees it (its ancestors decide which peer it is)
     * @param identity the hook's project
     */
    public static Answer answer(Mesh mesh, ProjectIdentity identity, HookInput input) throws HookException {
        String event = input.event();
        if (!PROMPT.equals(event) && !STOP.equals(event)) {
            throw new HookException("inbox-poll handles UserPromptSubmit and Stop, not '"
                    + PeerNames.printable(event) + "'; check the hooks in settings.json");
        }
        Optional<Peer> found = mesh.sessionPeer(identity);
        if (found.isEmpty()) {
            return Answer.NOTHING; // this session is not in the mesh (no server of its own runs): nothing to show
        }
        Peer me = found.get();
        input.string("session_id").ifPresent(id -> mesh.confirmSession(me, id));
        Optional<String> log = input.string("transcript_path");
        mesh.recordTranscript(me, log);
        mesh.settle(me.name(), log);
        return PROMPT.equals(event) ? onPrompt(mesh, me, log) : onStop(mesh, me, log, input.flag("stop_hook_active"));
    }

    private static Answer onPrompt(Mesh mesh, Peer me, Optional<String> log) {
        String header = "claude-mesh (you are '" + me.name() + "'): ";
        Inbox.Batch batch = mesh.inbox().offerNext(me.name(), Inbox.VIA_PROMPT, log, List.of(), HookText.MAX_ITEMS,
                HookText.fittingAfter(header));
        if (batch.isEmpty()) {
            if (batch.tooLarge() == 0) {
                return Answer.NOTHING;
            }
            return new Answer(HookOutput.context(PROMPT, HookText.bounded(header + HookText.more(batch).strip())), me.name(), List.of());
        }
        return new Answer(HookOutput.context(PROMPT, HookText.bounded(header + HookText.items(batch))), me.name(),
                batch.items().stream().map(InboxItem::id).toList());
    }

    /**
     * The turn goes on with this text as context (Claude Code 2.1.3xx shows a Stop hook's additionalContext
     * once and carries on; {@code decision: block} would show it twice and label it an error). What it offers
     * is settled like any offer: a reminder that never reached the model is made again by a later Stop.
     */
    private static Answer onStop(Mesh mesh, Peer me, Optional<String> log, boolean stopHookActive) {
        String header = "claude-mesh (you are '" + me.name() + "'): before you stop, ";
        StopVerdict v = mesh.stopVerdict(me.name(), stopHookActive, log,
                HookText.fitting(HookText.LIMIT - HookText.NOTES - header.length() - 80 * 40));
        if (!v.block()) {
            return Answer.NOTHING;
        }
        List<InboxItem> shown = v.shown().items();
        int n = shown.size() + v.stillOpen().size() + v.stillPending().size();
        StringBuilder text = new StringBuilder(header)
                .append(n == 1 ? "deal with this item" : "deal with these " + n + " items")
                .append(" from peers; they are waiting on you. ")
                .append(HookText.whatToDo(shown.stream().anyMatch(i -> InboxItem.QUESTION.equals(i.kind())) || !v.stillOpen().isEmpty(),
                        shown.stream().anyMatch(i -> InboxItem.TASK.equals(i.kind())) || !v.stillPending().isEmpty()))
                .append(' ').append(PeerText.NOTICE).append('\n');
        for (InboxItem i : shown) {
            text.append(HookText.item(i)).append('\n');
        }
        int named = 0;
        for (Question q : v.stillOpen()) {
            if (named++ < 40) {
                text.append("- question ").append(q.id()).append(" from ").append(q.asker()).append(", shown to you earlier, still unanswered\n");
            }
        }
        for (Task t : v.stillPending()) {
            if (named++ < 40) {
                text.append("- task ").append(t.id()).append(" from ").append(t.delegator()).append(", shown to you earlier, still pending\n");
            }
        }
        if (named > 40) {
            text.append("(").append(named - 40).append(" more: call list_tasks, or poll_inbox)\n");
        }
        text.append(HookText.more(v.shown()));
        return new Answer(HookOutput.context(STOP, HookText.bounded(text.toString().strip())), me.name(),
                shown.stream().map(InboxItem::id).toList());
    }
}
