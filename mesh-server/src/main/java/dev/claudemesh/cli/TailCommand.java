package dev.claudemesh.cli;

import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.Lease;
import dev.claudemesh.mesh.MeshEvent;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.QuestionStatus;
import dev.claudemesh.mesh.Receipt;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Follows the mesh live. It waits on the same change counter the servers use, so a line appears within
 * milliseconds of the commit and an idle tail costs nothing but a cheap read every few milliseconds. Like
 * Unix tail, {@code -n N} first prints the last N events already stored.
 *
 * <p>Three sources, merged in time order: the items sent (in inbox order), the replies (made at a time of their
 * own), and the receipts, every change of an item's state for a recipient, from which come a question's
 * unanswered end (expired, cancelled, abandoned) and, with {@code --delivery}, each delivery step.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = {"Follow the mesh live: every question, reply, message, broadcast and task as it happens, "
                + "every question that ends unanswered (expired, cancelled, abandoned), and every file claim and "
                + "its end, one line each.",
                "With --delivery also each delivery step: queued, offered, accepted, seen, withdrawn."})
final class TailCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    /** Stored rows read per query while going through the history. */
    private static final int PAGE = 500;
    /** The receipt states that end a question without an answer (its answer is a reply line). */
    private static final Set<String> ENDS = Set.of(QuestionStatus.EXPIRED.wire(), QuestionStatus.CANCELLED.wire(),
            QuestionStatus.ABANDONED.wire());

    @Option(names = {"-n", "--lines"}, paramLabel = "N", defaultValue = "0",
            description = "First print the last N events already stored (default: ${DEFAULT-VALUE}, only new ones).")
    int lines;

    @Option(names = "--from-start", description = "First print every event already stored.")
    boolean fromStart;

    @Option(names = "--no-follow", description = "Print the stored events asked for (-n, --from-start) and exit.")
    boolean noFollow;

    @Option(names = "--count", paramLabel = "N", defaultValue = "0",
            description = "Exit after printing N lines in all (default: ${DEFAULT-VALUE}, never).")
    int count;

    @Option(names = "--delivery", description = "Also print each delivery step of each item for each recipient.")
    boolean delivery;

    @Option(names = "--json", description = "One JSON object per line (at, kind, id, from, to, text; via for a delivery step).")
    boolean json;

    @Spec
    CommandSpec spec;

    /**
     * Replies carry the time they were made, which can be earlier than their commit by as long as the write
     * lock was busy; so each read looks back this far and skips replies already printed.
     */
    static final Duration REPLY_LOOKBACK = Duration.ofSeconds(30);

    /** One line of tail. {@code order} breaks ties in time: items in inbox order, then replies, then receipts. */
    record Event(Instant at, long order, String kind, String id, String from, String to, String text, String via) {
    }

    /** Where each source was read up to, and the replies already printed. */
    private static final class Position {
        long item;
        long receipt;
        long lease;
        final Set<String> replies = new LinkedHashSet<>();
        /** Questions seen go by, for their end's line: who asked whom what. */
        final Map<String, MeshEvent> questions = new HashMap<>();
    }

    @Override
    public Integer call() throws InterruptedException {
        if (lines < 0) {
            throw new ParameterException(spec.commandLine(), Typed.option(spec, "--lines", "-n") + " must be 0 or more (got " + lines + ")");
        }
        if (count < 0) {
            throw new ParameterException(spec.commandLine(), "--count must be 0 or more (got " + count + ")");
        }
        if (fromStart && lines > 0) {
            throw new ParameterException(spec.commandLine(), "use either --from-start (every stored event) or "
                    + Typed.option(spec, "--lines", "-n") + " N (the last N), not both");
        }
        try (MeshOpener m = new MeshOpener(); ChangeWatch watch = m.mesh.watchChanges(20)) {
            Position at = new Position();
            int printed = 0;
            List<Event> history = history(m, at);
            if (fromStart || lines > 0) {
                List<Event> shown = fromStart ? history : history.subList(Math.max(0, history.size() - lines), history.size());
                for (Event e : shown) {
                    print(e);
                    if (count > 0 && ++printed >= count) {
                        return 0;
                    }
                }
            }
            System.out.flush();
            if (noFollow) {
                return 0;
            }
            long seen = watch.current();
            while (true) {
                for (Event e : next(m, at, m.mesh.now().minus(REPLY_LOOKBACK))) {
                    print(e);
                    if (count > 0 && ++printed >= count) {
                        return 0;
                    }
                }
                System.out.flush();
                trim(at.replies);
                if (at.questions.size() > 10_000) {
                    at.questions.clear(); // an end whose question is forgotten is looked up (see end)
                }
                seen = watch.awaitChange(seen, 1000);
            }
        }
    }

    /** Every stored event in time order, leaving {@code at} after the newest of each source. */
    private List<Event> history(MeshOpener m, Position at) {
        List<Event> all = new ArrayList<>();
        while (true) {
            List<Event> page = next(m, at, Instant.EPOCH);
            all.addAll(page);
            if (page.isEmpty()) {
                break;
            }
        }
        all.sort(Comparator.comparing(Event::at).thenComparing(Event::order));
        return all;
    }

    /** What the sources hold past {@code at} (a page of each), moving {@code at} on; replies made from {@code since}. */
    private List<Event> next(MeshOpener m, Position at, Instant since) {
        List<Event> out = new ArrayList<>();
        for (MeshEvent e : m.mesh.history(at.item, since, PAGE)) {
            if (e.seq() > 0) {
                at.item = Math.max(at.item, e.seq());
                if (e.kind().equals("question")) {
                    at.questions.put(e.id(), e);
                }
                out.add(new Event(e.at(), e.seq(), e.kind(), e.id(), e.from(), e.to(), e.text(), null));
            } else if (at.replies.add(e.id())) {
                out.add(new Event(e.at(), Long.MAX_VALUE / 2, e.kind(), e.id(), e.from(), e.to(), e.text(), null));
            }
        }
        for (Receipt.Change c : m.mesh.inbox().changesAfter(at.receipt, PAGE)) {
            at.receipt = c.seq();
            if (ENDS.contains(c.state())) {
                out.add(end(m, at, c));
            } else if (delivery) {
                out.add(new Event(c.at(), Long.MAX_VALUE / 2 + c.seq(), c.state(), c.id(), null, c.recipient(), null, c.via().orElse(null)));
            }
        }
        for (Lease.Event e : m.mesh.claims().eventsAfter(at.lease, PAGE)) {
            at.lease = e.seq();
            // A claim or its end: no recipient; the globs are its text.
            out.add(new Event(e.at(), Long.MAX_VALUE / 4 + e.seq(), e.event(), e.leaseId(), e.holder(), null, e.globs(), null));
        }
        out.sort(Comparator.comparing(Event::at).thenComparing(Event::order));
        return out;
    }

    /** A question's unanswered end: who asked whom what, from the question line seen, else from the question. */
    private static Event end(MeshOpener m, Position at, Receipt.Change c) {
        MeshEvent asked = at.questions.get(c.id());
        String from = asked != null ? asked.from() : null;
        String text = asked != null ? asked.text() : null;
        if (asked == null) {
            try {
                Question q = m.mesh.question(c.id());
                from = q.asker();
                text = q.body();
            } catch (MeshException pruned) {
                // Its history was pruned (gc --keep-days): the end is still worth a line.
            }
        }
        return new Event(c.at(), Long.MAX_VALUE / 2 + c.seq(), c.state(), c.id(), Optional.ofNullable(from).orElse("?"),
                c.recipient(), text, null);
    }

    private static void trim(Set<String> ids) {
        Iterator<String> it = ids.iterator();
        while (ids.size() > 10_000 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    private void print(Event e) {
        if (json) {
            Map<String, Object> o = JsonLines.object();
            o.put("at", e.at());
            o.put("kind", e.kind());
            o.put("id", e.id());
            if (e.from() != null) {
                o.put("from", e.from());
            }
            if (e.to() != null) {
                o.put("to", e.to());
            }
            if (e.text() != null) {
                o.put("text", e.text());
            }
            if (e.via() != null) {
                o.put("via", e.via());
            }
            JsonLines.print(o);
        } else {
            System.out.println(line(e));
        }
    }

    static String line(Event e) {
        String head = TIME.format(e.at()) + " " + String.format("%-11s", TerminalText.line(e.kind())) + " " + TerminalText.line(e.id()) + " ";
        if (e.to() == null) { // a file claim or its end: {@code claimed l_… alpha: src/api/**}
            return head + TerminalText.line(e.from()) + ": " + TerminalText.line(e.text() == null ? "" : e.text(), 160);
        }
        if (e.from() == null) { // a delivery step
            return head + "-> " + TerminalText.line(e.to()) + (e.via() == null ? "" : " via " + TerminalText.line(e.via()));
        }
        return head + TerminalText.line(e.from()) + " -> " + TerminalText.line(e.to()) + ": "
                + TerminalText.line(e.text() == null ? "" : e.text(), 160);
    }
}
