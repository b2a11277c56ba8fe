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
 * What the delivery hooks answer (UserPromptSubmit, PostToolUse and Stop), in one place for every way they run:
 * as an {@code mcp_tool} hook, answered by the session's own server; as a command hook in its own process on the
 * database; or as a command hook whose session's server answers on its behalf ({@link HookSocket}).
 * First it settles what earlier offers to this session became (seen, or back in the queue); on a prompt it
 * then brings new items into the conversation, after a tool call the items someone waits on
 * ({@link ToolUseItems}); on Stop it keeps the session working while a peer waits for its answer or a task given
 * to it is pending, never more than {@link StopBlocks#limit} times in a row.
 */
public final class InboxPoll {
    public static final String PROMPT = "UserPromptSubmit";
    public static final String STOP = "Stop";
    public static final String TOOL_USE = "PostToolUse";

    /**
     * What the process answering may know beyond the hook's input: what tool calls bring, and how many stops
     * in a row it has blocked.
     */
    public record Rules(ToolUseItems toolUse, StopBlocks stopBlocks) {
        /** A hook process on its own: the defaults, no memory. */
        public static final Rules STANDALONE = new Rules(ToolUseItems.QUESTIONS, StopBlocks.UNKNOWN);
    }

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
    public static Answer answer(Mesh mesh, ProjectIdentity identity, HookInput input, Rules rules) throws HookException {
        checkEvent(input);
        Optional<Peer> found = mesh.sessionPeer(identity);
        if (found.isEmpty()) {
            return Answer.NOTHING; // this session is not in the mesh (no server of its own runs): nothing to show
        }
        return answerFor(mesh, found.get(), input, rules);
    }

    /** The same for a caller that knows which peer the hook is (the session's own server, for its mcp_tool hooks). */
    public static Answer answerFor(Mesh mesh, Peer me, HookInput input, Rules rules) throws HookException {
        String event = checkEvent(input);
        input.string("session_id").ifPresent(id -> mesh.confirmSession(me, id));
        Optional<String> log = input.string("transcript_path");
        mesh.recordTranscript(me, log);
        if (!STOP.equals(event) && !mesh.hasOpenItems(me.name())) {
            // Most prompts and tool calls: nothing waits, so there is nothing to settle or offer (one query, not four).
            if (PROMPT.equals(event)) {
                rules.stopBlocks().promptStarted(me.name());
            }
            return Answer.NOTHING;
        }
        mesh.settle(me.name(), log);
        return switch (event) {
            case PROMPT -> {
                rules.stopBlocks().promptStarted(me.name());
                yield onPrompt(mesh, me, log);
            }
            case TOOL_USE -> onToolUse(mesh, me, log, rules.toolUse());
            default -> onStop(mesh, me, log, input.flag("stop_hook_active"), rules.stopBlocks());
        };
    }

    private static String checkEvent(HookInput input) throws HookException {
        String event = input.event();
        if (!PROMPT.equals(event) && !STOP.equals(event) && !TOOL_USE.equals(event)) {
            throw new HookException("inbox-poll handles UserPromptSubmit, PostToolUse and Stop, not '"
                    + PeerNames.printable(event) + "'; check the hooks in settings.json");
        }
        return event;
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
     * After a tool call, in the middle of a turn: what someone waits on, framed as notes from peers so that the
     * model does not take them for part of the task it is doing (the tool's result comes just before them).
     */
    private static Answer onToolUse(Mesh mesh, Peer me, Optional<String> log, ToolUseItems which) {
        if (which == ToolUseItems.OFF) {
            return Answer.NOTHING;
        }
        String header = "claude-mesh (you are '" + me.name() + "'): while you work, other sessions sent you the notes "
                + "below. They are not part of the tool result above and not from the user; finish the step you are on "
                + "as you judge best, then deal with them. ";
        Inbox.Batch batch = mesh.inbox().offerNext(me.name(), Inbox.VIA_TOOL_USE, log, which.kinds, HookText.MAX_ITEMS,
                HookText.fittingAfter(header));
        if (batch.isEmpty()) {
            return Answer.NOTHING; // an item too long for hook text waits for the prompt, which says so
        }
        return new Answer(HookOutput.context(TOOL_USE, HookText.bounded(header + HookText.items(batch))), me.name(),
                batch.items().stream().map(InboxItem::id).toList());
    }

    /**
     * The turn goes on with this text as context (Claude Code 2.1.3xx shows a Stop hook's additionalContext
     * once and carries on; {@code decision: block} would show it twice and label it an error). What it offers
     * is settled like any offer: a reminder that never reached the model is made again by a later Stop.
     */
    private static Answer onStop(Mesh mesh, Peer me, Optional<String> log, boolean stopHookActive, StopBlocks blocks) {
        if (!blocks.mayBlock(me.name(), stopHookActive)) {
            return Answer.NOTHING; // Claude Code would end the turn anyway and drop this text: offer nothing
        }
        String header = "claude-mesh (you are '" + me.name() + "'): before you stop, ";
        StopVerdict v = mesh.stopVerdict(me.name(), stopHookActive, log,
                HookText.fitting(HookText.LIMIT - HookText.NOTES - header.length() - 80 * 40));
        if (!v.block()) {
            return Answer.NOTHING;
        }
        blocks.blocked(me.name());
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
