package dev.claudemesh.cli;

import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.MeshEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Set;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Follows the mesh live. It waits on the same change counter the servers use, so a line appears within
 * milliseconds of the commit and an idle tail costs nothing but a cheap read every few milliseconds.
 */
@Command(name = "tail", mixinStandardHelpOptions = true,
        description = "Follow the mesh live: every question, reply, message, broadcast and task as it happens, one line each.")
final class TailCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneId.systemDefault());

    @Option(names = "--from-start", description = "Print the stored history first.")
    boolean fromStart;

    @Option(names = {"-n", "--count"}, paramLabel = "N", defaultValue = "0", description = "Stop after N lines (0: never).")
    int count;

    /**
     * Replies carry the time they were made, which can be earlier than their commit by as long as the write
     * lock was busy; so each read looks back this far and skips replies already printed.
     */
    static final Duration REPLY_LOOKBACK = Duration.ofSeconds(30);

    @Override
    public Integer call() throws InterruptedException {
        try (MeshOpener m = new MeshOpener(); ChangeWatch watch = m.mesh.watchChanges(20)) {
            long seq = fromStart ? 0 : m.mesh.historyEnd();
            Instant start = m.mesh.now();
            Set<String> repliesShown = new LinkedHashSet<>();
            if (!fromStart) {
                // Replies made before we started are history, not news.
                m.mesh.repliesSince(start.minus(REPLY_LOOKBACK)).forEach(e -> repliesShown.add(e.id()));
            }
            int printed = 0;
            long seen = watch.current();
            while (true) {
                Instant since = fromStart && printed == 0 && seq == 0 ? Instant.EPOCH : m.mesh.now().minus(REPLY_LOOKBACK);
                List<MeshEvent> events = m.mesh.history(seq, since, 500);
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
                System.out.flush();
                trim(repliesShown);
                seen = watch.awaitChange(seen, 1000);
            }
        }
    }

    private static void trim(Set<String> ids) {
        Iterator<String> it = ids.iterator();
        while (ids.size() > 10_000 && it.hasNext()) {
            it.next();
            it.remove();
        }
    }

    static String line(MeshEvent e) {
        return TIME.format(e.at()) + " " + String.format("%-11s", e.kind()) + " " + e.id() + " " + e.from() + " -> "
                + e.to() + ": " + OneLine.of(e.text() == null ? "" : e.text(), 160);
    }
}
