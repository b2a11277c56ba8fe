package dev.claudemesh.mesh;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The Stop rule: while questions wait for a peer's answer, or tasks given to it are still pending, it must not
 * go idle; and it never blocks twice for the same things within one stop sequence.
 */
final class StopRule {
    /** At most this many questions and tasks are framed by one Stop; the rest are named by id. */
    static final int STOP_BATCH = 20;

    private final MeshContext ctx;
    private final Questions questions;
    private final Tasks tasks;
    private final Inbox inbox;

    StopRule(MeshContext ctx, Questions questions, Tasks tasks, Inbox inbox) {
        this.ctx = ctx;
        this.questions = questions;
        this.tasks = tasks;
        this.inbox = inbox;
    }

    StopVerdict verdict(String self, boolean stopHookActive, Optional<String> log, Function<List<InboxItem>, Inbox.Fitted> fit) {
        List<Question> open = questions.openQuestionsFor(self);
        List<Task> pending = tasks.pendingFor(self);
        if (open.isEmpty() && pending.isEmpty()) {
            return StopVerdict.ALLOW;
        }
        boolean allNamed = open.stream().allMatch(q -> q.namedAt().isPresent())
                && pending.stream().allMatch(t -> t.namedAt().isPresent());
        if (stopHookActive && allNamed) {
            return StopVerdict.ALLOW;
        }
        // Those not yet shown are offered with this stop; those on their way by another path (a channel event
        // Claude Code has queued for the next turn) are left to it; the rest, shown before, are named by id.
        Inbox.Batch shown = inbox.offerNext(self, Inbox.VIA_STOP, log, List.of(InboxItem.QUESTION, InboxItem.TASK),
                STOP_BATCH, fit);
        Set<String> elsewhere = new HashSet<>();
        inbox.openOffers(self).values().stream()
                .filter(o -> Inbox.VIA_CHANNEL.equals(o.via()) || Inbox.VIA_WAKE.equals(o.via()))
                .forEach(o -> elsewhere.add(o.id()));
        shown.items().forEach(i -> elsewhere.remove(i.id()));
        Set<String> shownIds = shown.items().stream().map(InboxItem::id).collect(Collectors.toSet());
        List<Question> remind = open.stream().filter(q -> !shownIds.contains(q.id()) && !elsewhere.contains(q.id())).toList();
        List<Task> remindTasks = pending.stream().filter(t -> !shownIds.contains(t.id()) && !elsewhere.contains(t.id())).toList();
        if (shown.isEmpty() && remind.isEmpty() && remindTasks.isEmpty()) {
            return StopVerdict.ALLOW;
        }
        Instant now = ctx.now();
        ctx.store.markNamed(open.stream().map(Question::id).toList(), now);
        ctx.store.markTasksNamed(pending.stream().map(Task::id).toList(), now);
        return new StopVerdict(true, shown, remind, remindTasks);
    }
}
