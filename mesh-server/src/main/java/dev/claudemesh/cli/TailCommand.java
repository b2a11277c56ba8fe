package dev.claudemesh.cli;

import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.MeshEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
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

    @Override
    public Integer call() throws InterruptedException {
        try (MeshOpener m = new MeshOpener(); ChangeWatch watch = new ChangeWatch(m.store::changeCounter, 20)) {
            long seq = fromStart ? 0 : m.store.lastSeq();
            Instant since = fromStart ? Instant.EPOCH : m.mesh.now();
            int printed = 0;
            long seen = watch.current();
            while (true) {
                Instant readAt = m.mesh.now();
                List<MeshEvent> events = m.mesh.history(seq, since, 500);
                for (MeshEvent e : events) {
                    System.out.println(line(e));
                    if (e.seq() > 0) {
                        seq = Math.max(seq, e.seq());
                    }
                    if (count > 0 && ++printed >= count) {
                        return 0;
                    }
                }
                System.out.flush();
                // Replies are found by time; the next read starts just after this one.
                since = readAt.plusMillis(1).isAfter(since) ? readAt.plusMillis(1) : since;
                seen = watch.awaitChange(seen, 1000);
            }
        }
    }

    static String line(MeshEvent e) {
        return TIME.format(e.at()) + " " + String.format("%-11s", e.kind()) + " " + e.id() + " " + e.from() + " -> "
                + e.to() + ": " + OneLine.of(e.text() == null ? "" : e.text(), 160);
    }
}
