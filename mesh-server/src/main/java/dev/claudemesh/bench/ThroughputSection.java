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

/**
 * Figure 6: four writer server processes send with {@code tell_peer} for a fixed time while four reader
 * server processes take with {@code poll_inbox}, all on one file. Each writer sends to the readers in turn;
 * the rate is the messages delivered over the time from the first send to the last message reaching a
 * reader. Then every message id a writer got back is looked for at its reader: the count shows none lost
 * and none twice.
 */
final class ThroughputSection extends Section {
    static final int WRITERS = 4;
    static final int READERS = 4;
    /**
     * One call at a time per server, as one session makes them: the SDK's stdio server transport (mcp-core
     * 2.1.0) can drop a response when two of one client's calls finish at the same moment.
     */
    static final int IN_FLIGHT = 1;
    private final int seconds;
    private final int rounds;
    private final int warmupSeconds;
    private final Row rate;
    private final Row integrity;

    ThroughputSection(BenchContext ctx) {
        seconds = ctx.pick(10, 2);
        rounds = ctx.pick(3, 1);
        warmupSeconds = ctx.pick(3, 0);
        rate = row("6a", String.format(Locale.ROOT, "Throughput: %d writer + %d reader processes on one file, %d s of sending per run",
                WRITERS, READERS, seconds), Unit.PER_SECOND, Target.atLeast(2000, Unit.PER_SECOND));
        integrity = new Row("6b", "Throughput: messages lost / delivered twice, over all runs", Unit.PER_SECOND, null,
                "0 lost, 0 twice");
        rows.add(integrity);
    }

    @Override
    String title() {
        return String.format(Locale.ROOT, "throughput (%d writers, %d readers, %d runs of %d s)", WRITERS, READERS, rounds, seconds);
    }

    @Override
    void run(BenchContext ctx) throws Exception {
        Path dir = ctx.sectionDir("throughput");
        Path db = ctx.newDb(dir);
        List<BenchContext.Server> writers = new ArrayList<>();
        List<BenchContext.Server> readers = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            writers.add(ctx.started("writer-" + i, db, ctx.project(dir, "writer-" + i), false));
        }
        for (int i = 0; i < READERS; i++) {
            readers.add(ctx.started("reader-" + i, db, ctx.project(dir, "reader-" + i), false));
        }
        Tally all = new Tally(0, 0, 0, 0, 0);
        if (warmupSeconds > 0) {
            all = all.plus(round(writers, readers, warmupSeconds, "warm-up"));
        }
        List<Double> rates = new ArrayList<>();
        for (int r = 0; r < rounds; r++) {
            Tally t = round(writers, readers, seconds, "run " + r);
            rates.add(t.rate);
            all = all.plus(t);
            ctx.log(String.format(Locale.ROOT, "  run %d: %,.0f msg/s; %,d sent, %d lost, %d twice",
                    r, t.rate, t.sent, t.lost, t.twice + t.unexpected));
        }
        repeats(rate, rates, "run");
        int runs = rounds + (warmupSeconds > 0 ? 1 : 0);
        integrity.judged(String.format(Locale.ROOT, "%d lost, %d twice", all.lost, all.twice + all.unexpected),
                String.format(Locale.ROOT, "%,d sent, %,d received once", all.sent, all.sent - all.lost),
                plural(runs, "run"), all.lost == 0 && all.twice == 0 && all.unexpected == 0);
        ctx.note(String.format(Locale.ROOT, "6: each writer makes %d `tell_peer` call at a time; readers call `poll_inbox` "
                + "back to back (pausing 2 ms when it returns nothing).%s", IN_FLIGHT, warmupSeconds > 0
                ? " A " + warmupSeconds + " s warm-up run came first; it counts in 6b only." : ""));
        ctx.stopServers();
    }

    record Tally(double rate, long sent, long lost, long twice, long unexpected) {
        Tally plus(Tally o) {
            return new Tally(0, sent + o.sent, lost + o.lost, twice + o.twice, unexpected + o.unexpected);
        }
    }

    private Tally round(List<BenchContext.Server> writers, List<BenchContext.Server> readers, int seconds, String tag)
            throws Exception {
        int nr = readers.size();
        // What each reader got: message id -> how many times, and the text.
        List<Map<String, Integer>> got = new ArrayList<>();
        List<Map<String, String>> bodies = new ArrayList<>();
        for (int i = 0; i < nr; i++) {
            got.add(new ConcurrentHashMap<>());
            bodies.add(new ConcurrentHashMap<>());
        }
        // What each writer got back: call index -> tell_peer result.
        List<Map<Integer, JsonNode>> results = new ArrayList<>();
        for (int w = 0; w < writers.size(); w++) {
            results.add(new ConcurrentHashMap<>());
        }
        int[] calls = new int[writers.size()];
        AtomicIntegerArray sentTo = new AtomicIntegerArray(nr);
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
                try {
                    long giveUpAt = Long.MAX_VALUE;
                    int count = 0;
                    while (failed.get() == null) {
                        boolean writing = writersDone.get() < writers.size();
                        if (!writing && count >= sentTo.get(me)) {
                            break;
                        }
                        if (!writing && giveUpAt == Long.MAX_VALUE) {
                            giveUpAt = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        }
                        if (System.nanoTime() > giveUpAt) {
                            break; // the rest is lost; the tally says so
                        }
                        McpProcess.Arrival a = rpc.await(rpc.callAsync("poll_inbox", Map.of()), 30, "poll_inbox");
                        JsonNode items = rpc.structured(a, "poll_inbox").path("items");
                        for (JsonNode item : items) {
                            String id = item.path("id").asText();
                            if (got.get(me).merge(id, 1, Integer::sum) == 1) {
                                count++;
                            }
                            bodies.get(me).put(id, item.path("body").asText());
                        }
                        if (items.isEmpty()) {
                            Thread.sleep(2);
                        } else {
                            lastArrival.accumulateAndGet(a.nanos(), Math::max);
                        }
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
                        if (!slots.tryAcquire(30, TimeUnit.SECONDS)) {
                            throw new BenchException(rpc.label + ": no response to tell_peer within 30 s" + rpc.stderrHint());
                        }
                        int index = j++;
                        int reader = (me + index) % nr;
                        rpc.callAsync("tell_peer", Map.of("to", readers.get(reader).name(),
                                "message", tag + " writer " + me + " message " + index + ": CI for change " + index + " passed"))
                                .whenComplete((a, e) -> {
                                    try {
                                        if (e != null) {
                                            failed.compareAndSet(null, e);
                                        } else {
                                            JsonNode r = rpc.structured(a, "tell_peer");
                                            results.get(me).put(index, r);
                                            if ("sent".equals(r.path("status").asText())) {
                                                sentTo.incrementAndGet(reader);
                                            }
                                        }
                                    } catch (RuntimeException ex) {
                                        failed.compareAndSet(null, ex);
                                    } finally {
                                        slots.release();
                                    }
                                });
                    }
                    if (!slots.tryAcquire(IN_FLIGHT, 30, TimeUnit.SECONDS)) {
                        throw new BenchException(rpc.label + ": no response to tell_peer within 30 s" + rpc.stderrHint());
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
            for (JsonNode item : readers.get(i).rpc().call("poll_inbox", Map.of()).path("items")) {
                got.get(i).merge(item.path("id").asText(), 1, Integer::sum);
            }
        }
        long sent = 0;
        long lost = 0;
        Map<String, Integer> readerOf = new ConcurrentHashMap<>();
        for (int w = 0; w < writers.size(); w++) {
            for (int j = 0; j < calls[w]; j++) {
                JsonNode r = results.get(w).get(j);
                if (r == null || !"sent".equals(r.path("status").asText())) {
                    throw new BenchException("tell_peer " + j + " of writer " + w + " returned " + r + " (the reader is online)");
                }
                sent++;
                int reader = (w + j) % nr;
                String id = r.path("message_id").asText();
                readerOf.put(id, reader);
                String body = bodies.get(reader).get(id);
                if (body == null) {
                    lost++;
                } else if (!body.startsWith(tag + " writer " + w + " message " + j + ":")) {
                    throw new BenchException("message " + id + " arrived with another text: " + body);
                }
            }
        }
        long twice = 0;
        long unexpected = 0;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < nr; i++) {
            for (Map.Entry<String, Integer> e : got.get(i).entrySet()) {
                twice += e.getValue() - 1;
                Integer to = readerOf.get(e.getKey());
                if (to == null || to != i || !seen.add(e.getKey())) {
                    unexpected++;
                }
            }
        }
        double elapsed = (lastArrival.get() - t0) / 1e9;
        return new Tally((sent - lost) / elapsed, sent, lost, twice, unexpected);
    }
}
