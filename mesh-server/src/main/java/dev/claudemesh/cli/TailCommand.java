package dev.claudemesh.cli;

import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.Lease;
import dev.claudemesh.mesh.MeshEvent;
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
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/**
 * Follows the mesh live. It waits on the same change counter the servers use, so a line appears within
 * milliseconds of the commit and an idle tail costs nothing but a cheap read every few milliseconds. Like
 * Unix tail, {@code -n N} first prints the last N events already stored.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = "Follow the mesh live: every question, reply, message, broadcast and task, and every file claim and its release, as it happens, one line each.")
final class TailCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());
    /** Stored items read per query while going through the history. */
    private static final int PAGE = 500;

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

    @Spec
    CommandSpec spec;

    /**
     * Replies carry the time they were made, which can be earlier than their commit by as long as the write
     * lock was busy; so each read looks back this far and skips replies already printed.
     */
    static final Duration REPLY_LOOKBACK = Duration.ofSeconds(30);

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
            Set<String> repliesShown = new LinkedHashSet<>();
            long seq;
            int printed = 0;
            long leaseSeq = 0;
            if (fromStart || lines > 0) {
                long[] last = new long[1];
                List<MeshEvent> history = history(m, last, repliesShown);
                List<Lease.Event> leases = leaseHistory(m);
                leaseSeq = leases.isEmpty() ? 0 : leases.get(leases.size() - 1).seq();
                List<Line> all = new ArrayList<>();
                history.forEach(e -> all.add(new Line(e.at(), line(e))));
                leases.forEach(e -> all.add(new Line(e.at(), line(e))));
                all.sort(Comparator.comparing(Line::at));
                List<Line> shown = fromStart ? all : all.subList(Math.max(0, all.size() - lines), all.size());
                for (Line e : shown) {
                    System.out.println(e.text());
                    if (count > 0 && ++printed >= count) {
                        return 0;
                    }
                }
                seq = last[0];
            } else {
                seq = m.mesh.historyEnd();
                leaseSeq = leaseHistory(m).stream().mapToLong(Lease.Event::seq).max().orElse(0);
                // Replies made before we started are history, not news.
                m.mesh.repliesSince(m.mesh.now().minus(REPLY_LOOKBACK)).forEach(e -> repliesShown.add(e.id()));
            }
            System.out.flush();
            if (noFollow) {
                return 0;
            }
            long seen = watch.current();
            while (true) {
                List<MeshEvent> events = m.mesh.history(seq, m.mesh.now().minus(REPLY_LOOKBACK), PAGE);
                for (MeshEvent e : events) {
                    if (e.seq() > 0) {
                        seq = Math.max(seq, e.seq());
                    } else if (!repliesShown.add(e.id())) {
                        continue;
                    }
                    System.out.println(line(e));
                    if (count > 0 && ++printed >= count) {
                        return 0;
                    }
                }
                for (Lease.Event e : m.mesh.claims().eventsAfter(leaseSeq, PAGE)) {
                    leaseSeq = e.seq();
                    System.out.println(line(e));
                    if (count > 0 && ++printed >= count) {
                        return 0;
                    }
                }
                System.out.flush();
                trim(repliesShown);
                seen = watch.awaitChange(seen, 1000);
            }
        }
    }

    /**
     * Every stored event in time order: the items page by page, and every reply once. {@code last[0]} is set to
     * the newest item's position, and the replies' ids are added to {@code replies}, so following goes on from there.
     */
    private static List<MeshEvent> history(MeshOpener m, long[] last, Set<String> replies) {
        List<MeshEvent> all = new ArrayList<>();
        long seq = 0;
        Instant now = m.mesh.now();
        while (true) {
            int items = 0;
            for (MeshEvent e : m.mesh.history(seq, now, PAGE)) {
                if (e.seq() > 0) { // the replies come whole, once, below
                    seq = Math.max(seq, e.seq());
                    all.add(e);
                    items++;
                }
            }
            if (items < PAGE) {
                break;
            }
        }
        for (MeshEvent e : m.mesh.repliesSince(Instant.EPOCH)) {
            if (replies.add(e.id())) {
                all.add(e);
            }
        }
        all.sort(Comparator.comparing(MeshEvent::at).thenComparing(MeshEvent::seq));
        last[0] = seq;
        return all;
    }

    /** One printed line and when its event happened, for merging the two histories. */
    private record Line(Instant at, String text) {
    }

    /** Every stored claim and end of one, oldest first. */
    private static List<Lease.Event> leaseHistory(MeshOpener m) {
        List<Lease.Event> all = new ArrayList<>();
        long seq = 0;
        while (true) {
            List<Lease.Event> page = m.mesh.claims().eventsAfter(seq, PAGE);
            all.addAll(page);
            if (page.size() < PAGE) {
                return all;
            }
            seq = page.get(page.size() - 1).seq();
        }
    }

    /** A claim or the end of one: {@code claimed l_… alpha: src/api/**}. */
    static String line(Lease.Event e) {
        return TIME.format(e.at()) + " " + String.format("%-11s", TerminalText.line(e.event())) + " " + TerminalText.line(e.leaseId())
                + " " + TerminalText.line(e.holder()) + ": " + TerminalText.line(e.globs(), 160);
    }

    private static void trim(Set<String> ids) {
        Iterator<String> it = ids.iterator();
        while (ids.size() > 10_000 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    static String line(MeshEvent e) {
        return TIME.format(e.at()) + " " + String.format("%-11s", TerminalText.line(e.kind())) + " " + TerminalText.line(e.id())
                + " " + TerminalText.line(e.from()) + " -> " + TerminalText.line(e.to()) + ": "
                + TerminalText.line(e.text() == null ? "" : e.text(), 160);
    }
}
