package dev.claudemesh.bench;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Figure 1: two server processes; the asker's {@code ask_peer} blocks while the replier finds the question
 * with {@code poll_inbox} and answers it with {@code reply_to_peer}. The figure is the time from the
 * replier's {@code reply_to_peer} response arriving here (its commit happened before the server wrote that
 * response) to the asker's {@code ask_peer} response arriving here, both read with {@link System#nanoTime()}
 * in this process as each line arrives.
 *
 * <p>Measured on the SQLite file (rows 1a, 1b) and, when a PostgreSQL server is given (MESH_BENCH_PG_URL, else
 * MESH_TEST_PG_URL: a user who may create databases), on a fresh PostgreSQL database through the same
 * launchers (rows 1c, 1d), where the asker is woken by LISTEN/NOTIFY.
 */
final class AskReplySection extends Section {
    private final int rounds;
    private final int warmups;
    private final Row p50;
    private final Row p99;
    private final java.util.Optional<String> postgres;

    /** The SQLite figure. */
    AskReplySection(BenchContext ctx) {
        this(ctx, java.util.Optional.empty());
    }

    private AskReplySection(BenchContext ctx, java.util.Optional<String> postgresAdminUrl) {
        rounds = ctx.pick(250, 20);
        warmups = ctx.pick(10, 3);
        postgres = postgresAdminUrl;
        String on = postgresAdminUrl.isPresent() ? " on PostgreSQL" : "";
        p50 = row(postgres.isPresent() ? "1c" : "1a", "Ask/reply latency" + on + ": `reply_to_peer` committed → `ask_peer` returned, p50",
                Unit.MS, Target.atMost(20, Unit.MS));
        p99 = row(postgres.isPresent() ? "1d" : "1b", "Ask/reply latency" + on + ": `reply_to_peer` committed → `ask_peer` returned, p99",
                Unit.MS, Target.atMost(100, Unit.MS));
    }

    /** The PostgreSQL figure; its rows say why when no server was given. */
    static AskReplySection onPostgres(BenchContext ctx) {
        java.util.Optional<String> admin = BenchContext.postgresAdminUrl();
        AskReplySection s = new AskReplySection(ctx, java.util.Optional.of(admin.orElse("")));
        if (admin.isEmpty()) {
            String why = "no PostgreSQL server given; set MESH_BENCH_PG_URL to a JDBC URL of a user who may create "
                    + "databases (.ci/pg-cluster start DIR prints one)";
            s.p50.skip(why);
            s.p99.skip(why);
        }
        return s;
    }

    @Override
    String name() {
        return "ask-reply";
    }

    @Override
    String title() {
        return "ask/reply latency" + (postgres.isPresent() ? " on PostgreSQL" : "") + " (" + rounds + " round trips)";
    }

    @Override
    void run(BenchContext ctx) throws Exception {
        if (postgres.isPresent() && postgres.get().isEmpty()) {
            return;
        }
        Path dir = ctx.sectionDir(postgres.isPresent() ? "ask-reply-postgresql" : "ask-reply");
        Path db = postgres.isPresent() ? ctx.newPostgresDb(dir, postgres.get()) : ctx.newDb(dir);
        BenchContext.Server asker = ctx.started("asker", db, ctx.project(dir, "asker"), false);
        BenchContext.Server replier = ctx.started("replier", db, ctx.project(dir, "replier"), false);
        List<Double> latency = new ArrayList<>();
        List<Double> sentToReturned = new ArrayList<>();
        for (int i = 0; i < warmups + rounds; i++) {
            String tag = "Round " + i + ":";
            CompletableFuture<McpProcess.Arrival> ask = asker.rpc().callAsync("ask_peer", Map.of("to", replier.name(),
                    "question", tag + " which port does the API listen on in dev?", "timeout_seconds", 120));
            String qid = awaitQuestion(replier.rpc(), tag);
            // A little jitter, so the reply does not fall into step with the asker's polling interval.
            Thread.sleep(ThreadLocalRandom.current().nextInt(0, 4));
            long replySent = System.nanoTime();
            McpProcess.Arrival reply = replier.rpc().await(replier.rpc().callAsync("reply_to_peer",
                    Map.of("question_id", qid, "answer", "8080 (" + i + ")")), 60, "reply_to_peer");
            JsonNode r = replier.rpc().structured(reply, "reply_to_peer");
            if (!"delivered".equals(r.path("status").asText())) {
                throw new BenchException("reply_to_peer returned " + r);
            }
            McpProcess.Arrival answered = asker.rpc().await(ask, 120, "ask_peer");
            JsonNode a = asker.rpc().structured(answered, "ask_peer");
            if (!"answered".equals(a.path("status").asText()) || !("8080 (" + i + ")").equals(a.path("answer").asText())) {
                throw new BenchException("ask_peer returned " + a);
            }
            if (i >= warmups) {
                latency.add((answered.nanos() - reply.nanos()) / 1e6);
                sentToReturned.add((answered.nanos() - replySent) / 1e6);
            }
        }
        percentiles(p50, p99, 99, latency);
        Stats upper = new Stats(sentToReturned);
        ctx.note(String.format(Locale.ROOT, (postgres.isPresent() ? "1c/1d" : "1") + ": counted from the moment `reply_to_peer` was *sent* instead (so including the "
                        + "replier's own parsing and commit): p50 %s, p99 %s. The first %d round trips are warm-ups.",
                Unit.MS.format(upper.percentile(50)), Unit.MS.format(upper.percentile(99)), warmups));
        ctx.stopServers();
    }

    /** Polls the replier's inbox (as a session would) until the question tagged {@code tag} is there. */
    private static String awaitQuestion(McpProcess replier, String tag) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (JsonNode item : replier.call("poll_inbox", Map.of()).path("items")) {
                if ("question".equals(item.path("kind").asText()) && item.path("body").asText().startsWith(tag)) {
                    return item.path("id").asText();
                }
            }
            Thread.sleep(1);
        }
        throw new BenchException("the question '" + tag + "' never reached the replier's inbox");
    }
}
