package dev.claudemesh.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The markdown document: where and how the suite ran, the table, which targets it met, and how each figure is taken. */
final class Report {
    private Report() {
    }

    static String render(Map<String, String> header, List<Row> rows, List<String> notes) {
        StringBuilder md = new StringBuilder();
        md.append("# claude-mesh benchmarks\n\n");
        md.append("Every figure comes from one run of the command below, against real processes: servers started with "
                + "`bin/claude-mesh-server` and spoken to over stdio in JSON-RPC, hooks started with their `bin/` launchers "
                + "and Claude Code's JSON on stdin, all on temporary SQLite files (rows 1c and 1d: a temporary PostgreSQL database). Times are wall-clock times read in the "
                + "benchmark process. How each figure is taken is described under the table.\n\n");
        header.forEach((k, v) -> md.append("- **").append(k).append(":** ").append(v).append('\n'));
        md.append('\n');
        md.append("| # | figure | median | spread | runs | target | met? |\n");
        md.append("|---|---|--:|---|---|---|---|\n");
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(java.util.Comparator.comparing(r -> r.id));
        for (Row r : sorted) {
            md.append("| ").append(r.id).append(" | ").append(cell(r.name)).append(" | ").append(cell(r.value)).append(" | ")
                    .append(cell(r.spread)).append(" | ").append(cell(r.runs)).append(" | ").append(cell(r.targetText()))
                    .append(" | ").append(r.verdictText()).append(" |\n");
        }
        md.append('\n').append(verdict(rows)).append("\n\n");
        md.append(METHOD);
        if (!notes.isEmpty()) {
            md.append("\n## Notes from this run\n\n");
            notes.forEach(n -> md.append("- ").append(n.replaceAll("\\s*\\R\\s*", " ")).append('\n'));
        }
        return md.toString();
    }

    /** One sentence that says which targets were met, and which were not. */
    static String verdict(List<Row> rows) {
        List<String> met = new ArrayList<>();
        List<String> missed = new ArrayList<>();
        List<String> unmeasured = new ArrayList<>();
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(java.util.Comparator.comparing(r -> r.id));
        for (Row r : sorted) {
            if (!r.hasTarget() || r.skipped) {
                continue;
            }
            switch (r.verdict) {
                case MET -> met.add(r.id);
                case MISSED -> missed.add(r.id + " (" + r.value + ", target " + r.targetText() + ")");
                default -> unmeasured.add(r.id);
            }
        }
        int all = met.size() + missed.size() + unmeasured.size();
        StringBuilder s = new StringBuilder("**Targets met: " + met.size() + " of " + all + "**");
        s.append(met.isEmpty() ? "." : " (" + String.join(", ", met) + ").");
        if (!missed.isEmpty()) {
            s.append(" **Missed:** ").append(String.join("; ", missed)).append('.');
        }
        if (!unmeasured.isEmpty()) {
            s.append(" **Not measured:** ").append(String.join(", ", unmeasured)).append('.');
        }
        return s.toString();
    }

    private static String cell(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }

    /**
     * The heading of the report's hand-kept section: figures the end-to-end suite measures in the real Claude
     * Code, which this suite cannot. Writing over a report carries that section (from this heading to the end)
     * over unchanged.
     */
    static final String KEPT_HEADING = "## In the real Claude Code";

    /** {@code md}, followed by the kept section of {@code previous} (the file's last text) when it has one. */
    static String keepingSection(String md, String previous) {
        int at = previous.startsWith(KEPT_HEADING) ? 0 : previous.indexOf("\n" + KEPT_HEADING);
        if (at < 0) {
            return md;
        }
        String kept = previous.substring(at).strip();
        return md.stripTrailing() + "\n\n" + kept + "\n";
    }

    static final String METHOD = """
            ## How each figure is measured

            *median* is the median of the runs (for rows named p50, p95 or p99, that percentile of all samples,
            nearest-rank); *spread* is the 5th–95th percentile of the samples, their maximum (for p95/p99 rows), or the
            minimum and maximum of the runs. `--quick` shrinks every count and duration (a smoke run, not a measurement).
            Each group of figures gets its own new database file with the schema already in place, as on a machine that
            has used the mesh before; every server gets its own project directory, `MESH_CHANNEL=off` unless stated,
            and is stopped by closing its stdin, as Claude Code does.

            1. **Ask/reply latency.** Two servers. The asker calls `ask_peer`; the replier finds the question with
               `poll_inbox` and answers with `reply_to_peer`. The figure is the time from the replier's `reply_to_peer`
               *response* arriving at the benchmark (the answer was committed before the server wrote that response) to
               the asker's `ask_peer` response arriving, both stamped with `System.nanoTime()` as each line is read. It
               leaves out the replier's own parsing and commit (and is negative when the asker's response overtakes
               the replier's); the notes give the time counted from the moment the reply was sent. One round trip at a
               time, after warm-ups, with 0–3 ms of random delay before each reply.
               Rows 1c and 1d do the same with both servers on a new PostgreSQL database (`MESH_BENCH_PG_URL`, else
               `MESH_TEST_PG_URL`: a user who may create databases), where the asker is woken by `LISTEN`/`NOTIFY`.
            2. **Hook wall time.** A new process per run, as Claude Code spawns a command hook: the launcher in `bin/`
               run through `/bin/sh -c`, the event's JSON written to its stdin and stdin closed; timed from just before
               the process is created until its exit is seen. The session's server runs meanwhile, as in a live
               session, started by the benchmark process, which so stands in for the session's Claude Code: its hooks
               find the server's hook socket and are answered by it. *Empty inbox* and *10 waiting questions* are
               `UserPromptSubmit` events (before each of the latter runs, ten new questions are asked of the session,
               and closed afterwards); *its server out of reach* is a session whose server was started through a shell
               that stays its parent, so the hook finds no socket and reads the database itself; *session-start* is a
               `startup` event in a new project each time (it always reads the database). Before each group one run
               with `CLAUDE_MESH_HOOK_TRACE=1` checks which way the hook answers. Each run's output is checked (exit 0,
               no failure line on stderr, nothing printed for an empty inbox, all ten questions shown; other stderr
               output is counted in the notes); the first runs are warm-ups.
            3. **Server start.** From just before `bin/claude-mesh-server` is started until the response to
               `initialize` (sent at once; the server reads it when ready) arrives. Servers are started one after
               another.
            4. **Memory.** Resident set size (`VmRSS` in `/proc/PID/status`; `ps -o rss=` on macOS) of the server
               process and any children its launcher left running. *Idle*: the servers of figure 3, a few seconds after
               `initialize`. *After load*: a new server that sends half of the messages with `tell_peer` and receives the
               other half with `poll_inbox` (every 50 sends) while a peer sends them, measured 1 s after the last one;
               one fresh server per run. *Together* (4c, 4d): right after figure 3's servers, ten of the smallest
               stdio MCP server the official TypeScript SDK makes (`interop/minimal-server.mjs`: one tool, `node`,
               the SDK from `interop/node_modules`) are started and initialized; after the idle window of figure 5
               the proportional set size (`Pss` of `/proc/PID/smaps_rollup`, Linux) of each set is summed, one
               set right after the other. PSS counts a page that n processes share as 1/n in each, so what the
               servers share (the class-data archive, `libjvm.so`, Node's binary) counts once over the set. 4c
               meets its target when it is at most 4d of the same run.
            5. **Idle cost.** The servers of figure 3 left alone: the CPU time (user + system, `/proc/PID/stat`; `ps -o
               time=` on macOS) they use together over the window, as a percentage of one core. Spread: the same over
               each sixth of the window.
            6. **Throughput.** For a fixed time, four writer servers call `tell_peer`, each keeping several calls in
               flight (the numbers are in the notes), each sending to the four reader servers in turn, while the
               readers call `poll_inbox` back to back, also more than one at a time. Responses are matched to calls by
               their JSON-RPC id. Rate: messages delivered over the time from the first send to the last message
               reaching a reader. Then every
               `message_id` a writer got back is looked for at its reader, with its text, and each reader's inbox is
               read once more: *lost* is sent but never received, *twice* is received more than once, at the wrong
               reader, or never sent. 6c counts the calls that got no response within 10 s. A server that leaves
               three calls in a row without a response has stopped answering: that run is aborted (and noted), and
               the next run gets eight new servers on a new file; figure 4b treats its runs the same way. The same
               eight servers serve a warm-up run and then every measured run, so what is measured is servers whose
               hot code is compiled, as in a session that has been running a while.
            7. **Scale.** One server; the peers and the delivered history are written into its file by the benchmark
               process with the same store code the servers use. The time of one `list_peers` call (all peers active)
               and of one `poll_inbox` call that returns one new message, from the request written to the response
               read.
            8. **Channel push latency** (issue 4). A listening server with `MESH_CHANNEL=on` and a sending server. The
               time from the sender's `tell_peer` response arriving (the message was committed before it) to the
               `notifications/claude/channel` event with that `message_id` arriving from the listener, one message at a
               time with 0–20 ms of random delay between them.
            """;
}
