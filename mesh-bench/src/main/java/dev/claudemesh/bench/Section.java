package dev.claudemesh.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

/** One group of figures: its rows exist before it runs, so a section that fails still shows which figures it owed. */
abstract class Section {
    final List<Row> rows = new ArrayList<>();

    /** Its short name, for {@code bench --only}. */
    abstract String name();

    abstract String title();

    /** Whether {@code --only} picked this group: by its name, or by the number of one of its figures ({@code 6}, {@code 4b}). */
    boolean selectedBy(String choice) {
        String c = choice.trim().toLowerCase(java.util.Locale.ROOT);
        return name().equals(c) || rows.stream().anyMatch(r -> r.id.equals(c) || r.id.replaceAll("[a-z]+$", "").equals(c));
    }

    abstract void run(BenchContext ctx) throws Exception;

    Row row(String id, String name, Unit unit, Target target) {
        Row r = new Row(id, name, unit, target);
        rows.add(r);
        return r;
    }

    /** A median row and a high-percentile row over one set of samples. */
    static void percentiles(Row p50, Row high, double highP, List<Double> samples) {
        Stats s = new Stats(samples);
        String n = plural(s.n(), "sample");
        p50.measured(s.percentile(50), "p5–p95 " + p50.unit.range(s.percentile(5), s.percentile(95)), n);
        high.measured(s.percentile(highP), "max " + high.unit.format(s.max()), n);
    }

    /** The median of repeated runs, with their minimum and maximum. */
    static void repeats(Row r, List<Double> values, String what) {
        Stats s = new Stats(values);
        r.measured(s.median(), "min–max " + r.unit.range(s.min(), s.max()), plural(s.n(), what));
    }

    /**
     * Calls {@code tool} {@code count} times on one server with up to {@code inFlight} calls outstanding, and
     * returns the structured results in order; a result is null where the server dropped the response
     * (counted in {@link McpProcess#dropped}).
     */
    static List<JsonNode> pump(McpProcess p, String tool, int count, int inFlight, IntFunction<Map<String, Object>> args)
            throws Exception {
        JsonNode[] out = new JsonNode[count];
        Semaphore slots = new Semaphore(inFlight);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < count && failure.get() == null; i++) {
            if (!slots.tryAcquire(2 * McpProcess.DROP_SECONDS, TimeUnit.SECONDS)) {
                throw new BenchException(p.label + ": " + tool + " calls stopped" + p.stderrHint());
            }
            int index = i;
            p.callAsync(tool, args.apply(i)).orTimeout(McpProcess.DROP_SECONDS, TimeUnit.SECONDS).whenComplete((a, e) -> {
                try {
                    if (e instanceof java.util.concurrent.TimeoutException) {
                        p.dropped();
                    } else if (e != null) {
                        failure.compareAndSet(null, e);
                    } else {
                        p.answered();
                        out[index] = p.structured(a, tool);
                    }
                } catch (RuntimeException ex) {
                    failure.compareAndSet(null, ex);
                } finally {
                    slots.release();
                }
            });
        }
        if (!slots.tryAcquire(inFlight, 2 * McpProcess.DROP_SECONDS, TimeUnit.SECONDS)) {
            throw new BenchException(p.label + ": " + tool + " calls stopped" + p.stderrHint());
        }
        if (failure.get() != null) {
            Throwable t = failure.get();
            throw t instanceof BenchException b ? b : new BenchException(p.label + ": " + tool + ": " + t);
        }
        return java.util.Arrays.asList(out);
    }

    /** {@code 1 run}, {@code 3 runs}. */
    static String plural(int n, String what) {
        return n + " " + what + (n == 1 ? "" : "s");
    }
}
