package dev.claudemesh.mcp;

import dev.claudemesh.hook.HookText;
import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.Inbox;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerText;
import io.modelcontextprotocol.spec.McpServerTransportProviderBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * The server's own part in delivery, for its session. About once a second, and whenever the mesh changes, it
 * settles what was offered to this session against its transcript (so a sender sees "seen" within a second or
 * so, and an offer that failed goes back to the queue). With channels on, it also pushes each new item as a
 * {@code notifications/claude/channel} event, as an offer: it counts as seen only once the transcript shows it
 * reached the model. Claude Code records an accepted event at once; when none of a push is accepted within
 * {@link Inbox#CHANNEL_VERDICT}, the session does not take channel events (no login that allows them, Bedrock,
 * Vertex, an organisation without channels), so pushing stops for the rest of the session and the items go back
 * to the queue for the hooks and poll_inbox.
 */
final class ChannelPusher implements Runnable {
    static final String METHOD = "notifications/claude/channel";
    private static final Logger LOG = LoggerFactory.getLogger(ChannelPusher.class);
    private static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9_]+");
    /** One event's text at most (the framing included), as for a hook's text. */
    static final int EVENT_LIMIT = HookText.LIMIT;

    private final Mesh mesh;
    private final ChangeWatch watch;
    private final McpServerTransportProviderBase transport;
    private final AtomicReference<String> self;
    private final CountDownLatch initialized;
    private volatile boolean push;
    /** Claude Code accepted one of our events: the channel works, so pushes need not wait on each other's verdict. */
    private volatile boolean proven;
    private volatile boolean stopped;

    ChannelPusher(Mesh mesh, ChangeWatch watch, McpServerTransportProviderBase transport, AtomicReference<String> self,
                  CountDownLatch initialized, boolean push) {
        this.mesh = mesh;
        this.watch = watch;
        this.transport = transport;
        this.self = self;
        this.initialized = initialized;
        this.push = push;
    }

    void stop() {
        stopped = true;
    }

    /** Whether it still pushes: false from the start without channels, and once Claude Code proved it refuses them. */
    boolean pushing() {
        return push;
    }

    @Override
    public void run() {
        try {
            // Nothing may be sent before the client's notifications/initialized.
            while (!stopped && !initialized.await(1, TimeUnit.SECONDS)) {
                // keep waiting
            }
            long seen = watch.current();
            while (!stopped) {
                try {
                    round();
                } catch (RuntimeException e) {
                    LOG.warn("settling this session's deliveries failed: {} (tried again in a second; items stay in the inbox)",
                            e.getMessage());
                }
                if (push) {
                    seen = watch.awaitChange(seen, 1000, false);
                } else {
                    Thread.sleep(1000); // settling only: once a second is soon enough, and costs an idle server nothing
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One round: settle open offers, then (with channels on) push what is queued. */
    void round() {
        String me = self.get();
        if (!mesh.hasOpenItems(me)) {
            return; // nothing queued, offered or pending for this session: nothing to settle or push (one query)
        }
        Optional<Peer> peer = mesh.peer(me);
        Optional<String> log = peer.flatMap(Peer::transcript);
        Inbox inbox = mesh.inbox();
        Inbox.Reconciled settled = mesh.settle(me, log);
        if (!settled.channelRefused().isEmpty() && push) {
            push = false;
            LOG.warn("Claude Code did not take the channel events this server pushed ({} item(s)); channels are not "
                    + "available to this session, so items reach it through the hooks and poll_inbox instead",
                    settled.channelRefused().size());
        }
        if (!settled.channelAccepted().isEmpty()) {
            proven = true;
        }
        // Without a transcript to prove them by (SessionStart reports it), a push could never count as seen. Until
        // Claude Code has accepted one event, one push at a time: if it refuses them, only one is held back.
        if (!push || log.isEmpty() || !proven && !settled.channelPending().isEmpty()) {
            return;
        }
        Inbox.Batch batch = inbox.offerNext(me, Inbox.VIA_CHANNEL, log, List.of(), HookText.MAX_ITEMS, ChannelPusher::fitting);
        List<InboxItem> items = batch.items();
        for (int i = 0; i < items.size(); i++) {
            try {
                transport.notifyClients(METHOD, params(items.get(i))).block(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                inbox.notDelivered(me, items.subList(i, items.size()).stream().map(InboxItem::id).toList());
                throw e;
            }
        }
    }

    /** Each item is one event: those whose event would be over {@link #EVENT_LIMIT} are left for poll_inbox. */
    static Inbox.Fitted fitting(List<InboxItem> candidates) {
        List<InboxItem> in = new ArrayList<>();
        int tooLarge = 0;
        for (InboxItem i : candidates) {
            if (((String) params(i).get("content")).length() > EVENT_LIMIT) {
                tooLarge++;
            } else {
                in.add(i);
            }
        }
        return new Inbox.Fitted(in, tooLarge);
    }

    /** {@code {content, meta}}: meta values are strings, keys letters, digits and underscores only. */
    static Map<String, Object> params(InboxItem item) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("from", item.from());
        meta.put("kind", item.kind());
        meta.put("sent_at", item.sentAt().toString());
        meta.putAll(item.references("message_id"));
        meta.keySet().removeIf(k -> !META_KEY.matcher(k).matches());
        Map<String, String> attrs = new LinkedHashMap<>(meta);
        attrs.remove("kind");
        String content = PeerText.frame(item.kind(), attrs, item.body()) + "\n" + nextStep(item.kind());
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("content", content);
        params.put("meta", meta);
        return params;
    }

    static String nextStep(String kind) {
        return switch (kind) {
            case InboxItem.QUESTION -> "The asker is waiting for your answer: reply_to_peer with the question_id above.";
            case InboxItem.TASK -> "When done, call complete_task with the task_id above, a status and the result.";
            default -> "No reply is required.";
        };
    }
}
