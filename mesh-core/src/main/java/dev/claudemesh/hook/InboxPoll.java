package dev.claudemesh.hook;

import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerText;
import dev.claudemesh.mesh.StopVerdict;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the inbox-poll hook answers (UserPromptSubmit and Stop), in one place for both ways it runs: in the
 * hook's own process on the database, or in its session's server on the hook's behalf ({@link HookSocket}).
 * On a prompt it brings new items from peers into the conversation; on Stop it keeps the session working
 * while a peer waits for its answer or a task given to it is pending, naming each once.
 */
public final class InboxPoll {
    public static final String PROMPT = "UserPromptSubmit";
    public static final String STOP = "Stop";

    /**
     * What to print, and which items that took off {@code recipient}'s inbox: should the text never reach
     * the model, they go back (see {@link dev.claudemesh.mesh.MeshStore#undeliver}).
     */
    public record Answer(String stdout, String recipient, List<String> taken) {
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
        Optional<Peer> found = mesh.findHookPeer(identity);
        if (found.isEmpty()) {
            return Answer.NOTHING; // this session is not in the mesh (no server registered it): nothing to show
        }
        Peer me = found.get();
        input.string("session_id").ifPresent(id -> mesh.confirmSession(me, id));
        return PROMPT.equals(event) ? onPrompt(mesh, me) : onStop(mesh, me, input.flag("stop_hook_active"));
    }

    private static Answer onPrompt(Mesh mesh, Peer me) {
        List<InboxItem> items = mesh.takeInbox(me.name(), HookText.BUDGET);
        if (items.isEmpty()) {
            return Answer.NOTHING;
        }
        int left = mesh.store().waitingCount(me.name());
        return new Answer(HookOutput.context(PROMPT, "claude-mesh (you are '" + me.name() + "'): " + HookText.items(items, left)),
                me.name(), items.stream().map(InboxItem::id).toList());
    }

    /**
     * Nothing to put back: the questions and tasks a block names stay open until answered or done, and a block
     * that never reached the model is made again by the next Stop that does not follow one.
     */
    private static Answer onStop(Mesh mesh, Peer me, boolean stopHookActive) {
        StopVerdict v = mesh.stopVerdict(me.name(), stopHookActive);
        if (!v.block()) {
            return Answer.NOTHING;
        }
        int n = v.questions().size() + v.tasks().size();
        StringBuilder reason = new StringBuilder("claude-mesh: before you stop, ")
                .append(n == 1 ? "deal with this item" : "deal with these " + n + " items")
                .append(" from peers; they are waiting on you. ")
                .append(HookText.whatToDo(!v.questions().isEmpty(), !v.tasks().isEmpty())).append(' ')
                .append(PeerText.NOTICE).append('\n');
        List<String> framed = new ArrayList<>();
        v.questions().forEach(q -> framed.add(HookText.question(q)));
        v.tasks().forEach(t -> framed.add(HookText.task(t)));
        HookText.appendWithin(reason, framed, HookText.BUDGET);
        return new Answer(HookOutput.block(reason.toString().strip()), me.name(), List.of());
    }
}
