package dev.claudemesh.view;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.Mesh;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * What every open page is told, as server-sent events. One thread reads the mesh when it changes (the same change
 * watch {@code tail} waits on) and, since a peer's status also changes with nobody writing (a process dies, a
 * heartbeat is late), every few seconds; it compares the new {@link Snapshot} with the last and queues only what
 * differs for each page. A page that connects gets the whole state first, under the same lock, so it misses
 * nothing between the two. With no page open the thread sleeps and reads nothing.
 *
 * <p>Events: {@code state} (everything: the view's facts, peers, items, a problem), {@code peers} (the whole list
 * when any peer changed), {@code items} ({@code {upsert: [...], remove: [ids]}}), {@code problem}
 * ({@code {message}}, null once the mesh can be read again).
 */
final class LiveFeed implements AutoCloseable {
    /** How often the mesh is read with nothing committed: peers go offline or stale without a write. */
    static final long REFRESH_MS = 5_000;
    static final int MAX_WATCHERS = 16;
    /** A page that stops reading is dropped past this many queued events (it reconnects and starts afresh). */
    private static final int MAX_QUEUED = 500;
    /** Queued to a watcher to end its stream. */
    static final String END = new String("end");

    private final Mesh mesh;
    private final ObjectMapper json;
    /** The view's own facts (where the mesh is, who the page may write as), as a JSON object. */
    private final String facts;
    private final ChangeWatch watch;
    private final Thread thread;
    private final List<BlockingQueue<String>> watchers = new ArrayList<>();
    /** The last snapshot sent, while anyone watches. */
    private Snapshot current;
    private String problem;
    private boolean closed;

    LiveFeed(Mesh mesh, ObjectMapper json, String facts) {
        this.mesh = mesh;
        this.json = json;
        this.facts = facts;
        this.watch = mesh.watchChanges(50);
        this.thread = new Thread(this::run, "view-feed");
        thread.setDaemon(true);
        thread.start();
    }

    /** A new page's stream, starting with the whole state; null when too many pages are open. */
    synchronized BlockingQueue<String> watch() {
        if (closed || watchers.size() >= MAX_WATCHERS) {
            return null;
        }
        if (current == null) {
            refresh();
        }
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        q.add(frame("state", stateJson()));
        watchers.add(q);
        notifyAll();
        return q;
    }

    synchronized void unwatch(BlockingQueue<String> q) {
        watchers.remove(q);
    }

    /** The whole state now, as the {@code state} event carries it (the JSON API's answer). */
    String state() {
        synchronized (this) {
            if (current != null) {
                return stateJson();
            }
        }
        Snapshot s = Snapshot.read(mesh, json, Snapshot.ITEMS);
        return "{\"view\":" + facts + ",\"peers\":" + s.peers + ",\"items\":[" + String.join(",", s.items.values())
                + "],\"problem\":null}";
    }

    private String stateJson() {
        String peers = current == null ? "[]" : current.peers;
        String items = current == null ? "" : String.join(",", current.items.values());
        return "{\"view\":" + facts + ",\"peers\":" + peers + ",\"items\":[" + items + "],\"problem\":" + quoted(problem) + "}";
    }

    private void run() {
        long seen = watch.current();
        try {
            while (true) {
                synchronized (this) {
                    while (!closed && watchers.isEmpty()) {
                        current = null; // nobody looks: forget it, and read afresh for the next page
                        wait();
                    }
                    if (closed) {
                        return;
                    }
                }
                seen = watch.awaitChange(seen, REFRESH_MS, false);
                synchronized (this) {
                    if (!closed && !watchers.isEmpty()) {
                        refresh();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        }
    }

    /** Reads the mesh and queues what changed since the last read; called with the lock held. */
    private void refresh() {
        Snapshot next;
        try {
            next = Snapshot.read(mesh, json, Snapshot.ITEMS);
        } catch (RuntimeException e) {
            // The database is out of reach (or refused): say so on the page, keep what it shows, and try again.
            setProblem("cannot read the mesh: " + VisibleText.of(String.valueOf(e.getMessage())));
            return;
        }
        setProblem(null);
        if (current != null) {
            if (!next.peers.equals(current.peers)) {
                send(frame("peers", next.peers));
            }
            List<String> upsert = new ArrayList<>();
            for (Map.Entry<String, String> e : next.items.entrySet()) {
                if (!e.getValue().equals(current.items.get(e.getKey()))) {
                    upsert.add(e.getValue());
                }
            }
            List<String> remove = current.items.keySet().stream().filter(id -> !next.items.containsKey(id))
                    .map(this::quoted).toList();
            if (!upsert.isEmpty() || !remove.isEmpty()) {
                send(frame("items", "{\"upsert\":[" + String.join(",", upsert) + "],\"remove\":["
                        + String.join(",", remove) + "]}"));
            }
        }
        current = next;
    }

    private void setProblem(String message) {
        if (!Objects.equals(message, problem)) {
            problem = message;
            send(frame("problem", "{\"message\":" + quoted(message) + "}"));
        }
    }

    private void send(String frame) {
        for (BlockingQueue<String> q : List.copyOf(watchers)) {
            if (q.size() >= MAX_QUEUED) {
                watchers.remove(q);
                q.clear();
                q.add(END);
            } else {
                q.add(frame);
            }
        }
    }

    /** One server-sent event; the data is one line of JSON (JSON escapes every line break). */
    private static String frame(String event, String data) {
        return "event: " + event + "\ndata: " + data + "\n\n";
    }

    private String quoted(String s) {
        if (s == null) {
            return "null";
        }
        try {
            return json.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            for (BlockingQueue<String> q : watchers) {
                q.add(END);
            }
            watchers.clear();
            notifyAll();
        }
        thread.interrupt();
        watch.close();
    }
}
