package dev.claudemesh.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Figure 6: four writer server processes send with {@code tell_peer} for a fixed time while four reader
 * server processes take with {@code poll_inbox}, all on one file, each with several calls in flight. Each
 * writer sends to the readers in turn; the rate is the messages delivered over the time from the first send
 * to the last message reaching a reader. Then every message id a writer got back is looked for at its reader: the count shows none lost
 * and none twice.
 */
final class ThroughputSection extends Section {
    static final int WRITERS = 4;
    static final int READERS = 4;
    /**
     * Calls each writer keeps in flight. With one at a time (as long as the SDK's stdio transport could drop
     * one of two responses finishing together; ours cannot) every call waited out a whole round trip through
     * this process, and the figure measured the benchmark's pipes as much as the servers. Responses are matched
     * to calls by id, so several in flight change nothing in the counts.
     */
    static final int IN_FLIGHT = 4;
    /** Calls each reader keeps in flight: two, so one is handled while the other's answer travels; more only poll emptier inboxes. */
    static final int READ_IN_FLIGHT = 2;
    private final int seconds;
    private final int rounds;
    private final int warmupSeconds;
    private final Row rate;
    private final Row integrity;
    private final Row noResponse;

    ThroughputSection(BenchContext ctx) {
        seconds = ctx.pick(10, 2);
        rounds = ctx.pick(3, 1);
        // Long enough for eight JVMs compiling their hot paths on two cores to settle: after a 3 s warm-up the
        // first measured run still came out about a quarter below the next two in every full run.
        warmupSeconds = ctx.pick(10, 0);
        rate = row("6a", String.format(Locale.ROOT, "Throughput: %d writer + %d reader processes on one file, %d s of sending per run",
                WRITERS, READERS, seconds), Unit.PER_SECOND, Target.atLeast(2000, Unit.PER_SECOND));
        integrity = new Row("6b", "Throughput: messages lost / delivered twice, over all runs", Unit.PER_SECOND, null,
                "0 lost, 0 twice");
        rows.add(integrity);
        noResponse = new Row("6c", "Throughput: tool calls the servers left without a response, over all runs", Unit.PER_SECOND,
                null, "0");
        rows.add(noResponse);
    }

    @Override
    String name() {
        return "throughput";
    }

    @Override
    String title() {
        return String.format(Locale.ROOT, "throughput (%d writers, %d readers, %d runs of %d s)", WRITERS, READERS, rounds, seconds);
    }

    @Override
    void run(BenchContext ctx) throws Exception {
        Path dir = ctx.sectionDir("throughput");
        List<BenchContext.Server> writers = new ArrayList<>();
        List<BenchContext.Server> readers = new ArrayList<>();
        int set = 0;
        List<McpProcess> used = new ArrayList<>();
        startSet(ctx, dir, set, writers, readers, used);
        int runsMade = 0;
        Tally all = new Tally(0, 0, 0, 0, 0, 0, 0);
        List<String> aborted = new ArrayList<>();
        int stopped = 0;
        if (warmupSeconds > 0) {
            runsMade++;
            try {
                all = all.plus(round(writers, readers, warmupSeconds, "warm-up"));
            } catch (StoppedAnswering e) {
                aborted.add("the warm-up run: " + e.getMessage());
                stopped++;
                startSet(ctx, dir, ++set, writers, readers, used);
            }
        }
        List<Double> rates = new ArrayList<>();
        long self = ProcessHandle.current().pid();
        long serversCpu = 0;
        long benchCpu = 0;
        long wall = 0;
        // A run in which a server stopped answering is not a measurement; it is noted, and the next run gets
        // eight new servers on a new file. At most two such runs are replaced.
        for (int attempt = 0; rates.size() < rounds && attempt < rounds + 2; attempt++) {
            List<McpProcess> eight = new ArrayList<>();
            writers.forEach(w -> eight.add(w.rpc()));
            readers.forEach(r -> eight.add(r.rpc()));
            long serversBefore = cpu(eight);
            long benchBefore = ProcStats.ownCpuNanos(self);
            long wallBefore = System.nanoTime();
            runsMade++;
            try {
                Tally t = round(writers, readers, seconds, "run " + attempt);
                rates.add(t.rate);
                all = all.plus(t);
                ctx.log(String.format(Locale.ROOT, "  run %d: %,.0f msg/s; %,d sent, %d lost, %d twice, %d responses dropped",
                        attempt, t.rate, t.sent, t.lost, t.twice + t.unexpected, t.dropped));
                wall += System.nanoTime() - wallBefore;
                serversCpu += cpu(eight) - serversBefore;
                benchCpu += ProcStats.ownCpuNanos(self) - benchBefore;
            } catch (StoppedAnswering e) {
                ctx.log("  run " + attempt + " aborted: " + e.getMessage());
                aborted.add("run " + attempt + ": " + e.getMessage());
                stopped++;
                startSet(ctx, dir, ++set, writers, readers, used);
            }
        }
        if (rates.isEmpty()) {
            throw new BenchException("no run completed: " + String.join("; ", aborted));
        }
        repeats(rate, rates, "run");
        if (!aborted.isEmpty()) {
            rate.runs += " (" + aborted.size() + " aborted)";
        }
        ctx.note(String.format(Locale.ROOT, "6: over the completed runs (%.1f s of wall time, %d cores) the eight servers used "
                + "%.1f s of CPU and the benchmark process %.1f s.", wall / 1e9, Runtime.getRuntime().availableProcessors(),
                serversCpu / 1e9, benchCpu / 1e9));
        int runs = rates.size() + (warmupSeconds > 0 && aborted.stream().noneMatch(a -> a.startsWith("the warm-up")) ? 1 : 0);
        integrity.judged(String.format(Locale.ROOT, "%d lost, %d twice", all.lost, all.twice + all.unexpected),
                String.format(Locale.ROOT, "%,d sent, %,d received once", all.sent, all.sent - all.lost),
                plural(runs, "completed run"), all.lost == 0 && all.twice == 0 && all.unexpected == 0);
        long dropped = 0;
        long calls = 0;
        for (McpProcess p : used) {
            dropped += p.dropped.get();
            calls += p.dropped.get() + p.responses.get();
        }
        noResponse.judged(String.format(Locale.ROOT, "%d", dropped),
                String.format(Locale.ROOT, "of %,d calls; %d of %d server sets stopped answering", calls, stopped, set + 1),
                plural(runsMade, "run"), dropped == 0);
        for (String a : aborted) {
            ctx.note("6: aborted " + a);
        }
        if (dropped > 0) {
            ctx.note(String.format(Locale.ROOT, "6: a call counts as left without a response after %d s. In a completed run a "
                    + "dropped `tell_peer` response leaves its message out of *sent* (it may still arrive, once); a dropped "
                    + "`poll_inbox` response loses the items it took, which then count as lost.", McpProcess.DROP_SECONDS));
        }
        ctx.note(String.format(Locale.ROOT, "6: each writer keeps %d `tell_peer` calls in flight, each reader %d `poll_inbox` "
                + "calls (pausing 2 ms after one returned nothing).%s", IN_FLIGHT, READ_IN_FLIGHT, warmupSeconds > 0
                ? " A " + warmupSeconds + " s warm-up run came first; it counts in 6b and 6c only." : ""));
        ctx.stopServers();
    }

    /** Four writers and four readers on a new file ({@code set} numbers the files and the servers' projects). */
    private static void startSet(BenchContext ctx, Path dir, int set, List<BenchContext.Server> writers,
                                 List<BenchContext.Server> readers, List<McpProcess> used) throws Exception {
        ctx.stopServers();
        writers.clear();
        readers.clear();
        Path setDir = java.nio.file.Files.createDirectories(dir.resolve("set-" + set));
        Path db = ctx.newDb(setDir);
        for (int i = 0; i < WRITERS; i++) {
            writers.add(ctx.started("writer-" + i, db, ctx.project(setDir, "writer-" + i), false));
        }
        for (int i = 0; i < READERS; i++) {
            readers.add(ctx.started("reader-" + i, db, ctx.project(setDir, "reader-" + i), false));
        }
        writers.forEach(w -> used.add(w.rpc()));
        readers.forEach(r -> used.add(r.rpc()));
    }

    private static long cpu(List<McpProcess> procs) {
        long sum = 0;
        for (McpProcess p : procs) {
            sum += ProcStats.cpuNanos(p.pid());
        }
        return sum;
    }

    /** One run's counts; {@code calls} are the tool calls answered, {@code dropped} those left without a response. */
    record Tally(double rate, long sent, long lost, long twice, long unexpected, long dropped, long calls) {
        Tally plus(Tally o) {
            return new Tally(0, sent + o.sent, lost + o.lost, twice + o.twice, unexpected + o.unexpected, dropped + o.dropped,
                    calls + o.calls);
        }
    }

    private static final Pattern KEY = Pattern.compile("^(.*) writer (\\d+) message (\\d+):");

    private Tally round(List<BenchContext.Server> writers, List<BenchContext.Server> readers, int seconds, String tag)
            throws Exception {
        int nr = readers.size();
        // What each reader got, by the writer and call the text names ("w:j"): the message ids, once per delivery.
        List<Map<String, List<String>>> got = new ArrayList<>();
        for (int i = 0; i < nr; i++) {
            got.add(new ConcurrentHashMap<>());
        }
        // What each writer got back: call index -> tell_peer result (absent: the response was dropped).
        List<Map<Integer, JsonNode>> results = new ArrayList<>();
        for (int w = 0; w < writers.size(); w++) {
            results.add(new ConcurrentHashMap<>());
        }
        int[] calls = new int[writers.size()];
        AtomicIntegerArray sentTo = new AtomicIntegerArray(nr);
        AtomicInteger droppedTells = new AtomicInteger();
        AtomicInteger droppedPolls = new AtomicInteger();
        AtomicLong polls = new AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        AtomicLong lastArrival = new AtomicLong();
        AtomicInteger writersDone = new AtomicInteger();
        long t0 = System.nanoTime();
        long stopAt = t0 + TimeUnit.SECONDS.toNanos(seconds);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < nr; i++) {
            int me = i;
            McpProcess rpc = readers.get(i).rpc();
            threads.add(new Thread(() -> {
                Semaphore slots = new Semaphore(READ_IN_FLIGHT);
                AtomicInteger count = new AtomicInteger();
                AtomicInteger lastEmpty = new AtomicInteger();
                try {
                    long giveUpAt = Long.MAX_VALUE;
                    while (failed.get() == null) {
                        if (!slots.tryAcquire(2 * McpProcess.DROP_SECONDS, TimeUnit.SECONDS)) {
                            throw new BenchException(rpc.label + ": poll_inbox calls stopped" + rpc.stderrHint());
                        }
                        boolean writing = writersDone.get() < writers.size();
                        if (!writing && count.get() >= sentTo.get(me)) {
                            slots.release();
                            break;
                        }
                        if (!writing && giveUpAt == Long.MAX_VALUE) {
                            giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(droppedPolls.get() > 0 ? 3 : 30);
                        }
                        if (System.nanoTime() > giveUpAt) {
                            slots.release();
                            break; // the rest is lost; the tally says so
                        }
                        if (lastEmpty.get() > 0) {
                            Thread.sleep(2); // nothing was waiting a moment ago: do not spin
                        }
                        rpc.callAsync("poll_inbox", Map.of())
                                .orTimeout(McpProcess.DROP_SECONDS, TimeUnit.SECONDS)
                                .whenComplete((a, e) -> {
                                    try {
                                        if (e instanceof TimeoutException) {
                                            droppedPolls.incrementAndGet();
                                            rpc.dropped();
                                        } else if (e != null) {
                                            failed.compareAndSet(null, e);
                                        } else {
                                            rpc.answered();
                                            polls.incrementAndGet();
                                            JsonNode items = rpc.structured(a, "poll_inbox").path("items");
                                            for (JsonNode item : items) {
                                                count.incrementAndGet();
                                                got.get(me).computeIfAbsent(key(item.path("body").asText(), tag),
                                                        k -> new CopyOnWriteArrayList<>()).add(item.path("id").asText());
                                            }
                                            lastEmpty.set(items.isEmpty() ? 1 : 0);
                                            if (!items.isEmpty()) {
                                                lastArrival.accumulateAndGet(a.nanos(), Math::max);
                                            }
                                        }
                                    } catch (RuntimeException ex) {
                                        failed.compareAndSet(null, ex);
                                    } finally {
                                        slots.release();
                                    }
                                });
                    }
                    // No poll may still be out when the inboxes are read for the last time.
                    if (!slots.tryAcquire(READ_IN_FLIGHT, 2 * McpProcess.DROP_SECONDS, TimeUnit.SECONDS)) {
                        throw new BenchException(rpc.label + ": poll_inbox calls stopped" + rpc.stderrHint());
                    }
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                }
            }, "bench-reader-" + i));
        }
        for (int w = 0; w < writers.size(); w++) {
            int me = w;
            McpProcess rpc = writers.get(w).rpc();
            threads.add(new Thread(() -> {
                Semaphore slots = new Semaphore(IN_FLIGHT);
                int j = 0;
                try {
                    while (System.nanoTime() < stopAt && failed.get() == null) {
                        if (!slots.tryAcquire(2 * McpProcess.DROP_SECONDS, TimeUnit.SECONDS)) {
                            throw new BenchException(rpc.label + ": tell_peer calls stopped" + rpc.stderrHint());
                        }
                        int index = j++;
                        int reader = (me + index) % nr;
                        rpc.callAsync("tell_peer", Map.of("to", readers.get(reader).name(),
                                "message", tag + " writer " + me + " message " + index + ": CI for change " + index + " passed"))
                                .orTimeout(McpProcess.DROP_SECONDS, TimeUnit.SECONDS)
                                .whenComplete((a, e) -> {
                                    try {
                                        if (e instanceof TimeoutException) {
                                            droppedTells.incrementAndGet();
                                            rpc.dropped();
                                            // Committed or not, we cannot tell: let the reader look for it anyway.
                                            sentTo.incrementAndGet(reader);
                                        } else if (e != null) {
                                            failed.compareAndSet(null, e);
                                        } else {
                                            rpc.answered();
                                            JsonNode r = rpc.structured(a, "tell_peer");
                                            results.get(me).put(index, r);
                                            sentTo.incrementAndGet(reader);
                                        }
                                    } catch (RuntimeException ex) {
                                        failed.compareAndSet(null, ex);
                                    } finally {
                                        slots.release();
                                    }
                                });
                    }
                    if (!slots.tryAcquire(IN_FLIGHT, 2 * McpProcess.DROP_SECONDS, TimeUnit.SECONDS)) {
                        throw new BenchException(rpc.label + ": tell_peer calls stopped" + rpc.stderrHint());
                    }
                } catch (Throwable t) {
                    failed.compareAndSet(null, t);
                } finally {
                    calls[me] = j;
                    writersDone.incrementAndGet();
                }
            }, "bench-writer-" + w));
        }
        threads.forEach(Thread::start);
        for (Thread t : threads) {
            t.join();
        }
        if (failed.get() != null) {
            throw failed.get() instanceof Exception e ? e : new BenchException(failed.get().toString());
        }
        // One more look at every inbox: anything that turns up now was delivered twice or never sent.
        for (int i = 0; i < nr; i++) {
            McpProcess rpc = readers.get(i).rpc();
            McpProcess.Arrival a = rpc.awaitOrDrop(rpc.callAsync("poll_inbox", Map.of()));
            if (a == null) {
                droppedPolls.incrementAndGet();
                continue;
            }
            for (JsonNode item : rpc.structured(a, "poll_inbox").path("items")) {
                got.get(i).computeIfAbsent(key(item.path("body").asText(), tag), k -> new CopyOnWriteArrayList<>())
                        .add(item.path("id").asText());
            }
        }
        long sent = 0;
        long lost = 0;
        long twice = 0;
        long delivered = 0;
        Set<String> expectedKeys = new HashSet<>();
        for (int w = 0; w < writers.size(); w++) {
            for (int j = 0; j < calls[w]; j++) {
                String key = w + ":" + j;
                int reader = (w + j) % nr;
                expectedKeys.add(reader + "/" + key);
                List<String> ids = got.get(reader).getOrDefault(key, List.of());
                JsonNode r = results.get(w).get(j);
                if (r == null) {
                    // tell_peer's response was dropped: the message may or may not have been committed.
                    twice += Math.max(0, ids.size() - 1);
                    delivered += ids.isEmpty() ? 0 : 1;
                    continue;
                }
                if (!"sent".equals(r.path("status").asText())) {
                    throw new BenchException("tell_peer returned " + r + " (the reader is online)");
                }
                sent++;
                if (ids.isEmpty()) {
                    lost++;
                } else {
                    delivered++;
                    twice += ids.size() - 1;
                    if (!ids.get(0).equals(r.path("message_id").asText())) {
                        throw new BenchException("writer " + w + " message " + j + " was sent as " + r.path("message_id").asText()
                                + " but arrived as " + ids.get(0));
                    }
                }
            }
        }
        long unexpected = 0;
        for (int i = 0; i < nr; i++) {
            for (Map.Entry<String, List<String>> e : got.get(i).entrySet()) {
                if (!expectedKeys.contains(i + "/" + e.getKey())) {
                    unexpected += e.getValue().size();
                }
            }
        }
        double elapsed = (lastArrival.get() - t0) / 1e9;
        long answered = polls.get();
        for (int w = 0; w < writers.size(); w++) {
            answered += results.get(w).size();
        }
        return new Tally(delivered / elapsed, sent, lost, twice, unexpected, droppedTells.get() + droppedPolls.get(), answered);
    }

    /** "w:j" for a message of this run, from its text; the text itself for anything else. */
    private static String key(String body, String tag) {
        Matcher m = KEY.matcher(body);
        return m.find() && m.group(1).equals(tag) ? m.group(2) + ":" + m.group(3) : "other: " + body;
    }
}
