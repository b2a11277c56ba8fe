package dev.claudemesh.hooks;

import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerText;
import dev.claudemesh.mesh.StopVerdict;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * UserPromptSubmit and Stop. On a prompt it brings new items from peers into the conversation; on Stop it
 * keeps the session working while a peer waits for its answer or a task given to it is pending, naming
 * each once.
 */
@Command(name = "inbox-poll", mixinStandardHelpOptions = true,
        description = "UserPromptSubmit and Stop hook: adds new items from peers to the conversation, and blocks a stop while a peer waits for this session's answer or task.")
final class InboxPollHook implements Callable<String> {
    static final String PROMPT = "UserPromptSubmit";
    static final String STOP = "Stop";

    @Override
    public String call() throws Exception {
        try (HookSession s = HookSession.open()) {
            String event = s.input.event();
            if (!PROMPT.equals(event) && !STOP.equals(event)) {
                throw new HookException("inbox-poll handles UserPromptSubmit and Stop, not '"
                        + PeerNames.printable(event) + "'; check the hooks in settings.json");
            }
            Optional<Peer> found = s.mesh.findHookPeer(s.identity);
            if (found.isEmpty()) {
                return null; // this session is not in the mesh (no server registered it): nothing to show
            }
            Peer me = found.get();
            s.input.string("session_id").ifPresent(id -> s.mesh.confirmSession(me, id));
            return PROMPT.equals(event) ? onPrompt(s, me) : onStop(s, me);
        }
    }

    private static String onPrompt(HookSession s, Peer me) {
        List<InboxItem> items = s.mesh.takeInbox(me.name(), HookText.BUDGET);
        if (items.isEmpty()) {
            return null;
        }
        int left = s.mesh.store().waitingCount(me.name());
        return HookOutput.context(PROMPT, "claude-mesh (you are '" + me.name() + "'): " + HookText.items(items, left));
    }

    private static String onStop(HookSession s, Peer me) {
        StopVerdict v = s.mesh.stop(me.name(), s.input.flag("stop_hook_active"));
        if (!v.block()) {
            return null;
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
        return HookOutput.block(reason.toString().strip());
    }
}
