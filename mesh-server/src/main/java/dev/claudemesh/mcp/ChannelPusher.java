package dev.claudemesh.mcp;

import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.InboxItem;
import dev.claudemesh.mesh.Mesh;
import dev.claudemesh.mesh.PeerText;
import io.modelcontextprotocol.spec.McpServerTransportProviderBase;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

/**
 * Pushes every item that reaches this peer to Claude Code as a {@code notifications/claude/channel} event,
 * the moment it is committed. Taking items marks them delivered (atomically, so a hook or poll_inbox racing
 * us never gets the same item); one whose notification could not be sent is put back, so an item not
 * pushed is never counted as delivered.
 */
final class ChannelPusher implements Runnable {
    static final String METHOD = "notifications/claude/channel";
    private static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9_]+");

    private final Mesh mesh;
    private final ChangeWatch watch;
    private final McpServerTransportProviderBase transport;
    private final AtomicReference<String> self;
    private final CountDownLatch initialized;
    private volatile boolean stopped;

    ChannelPusher(Mesh mesh, ChangeWatch watch, McpServerTransportProviderBase transport, AtomicReference<String> self,
                  CountDownLatch initialized) {
        this.mesh = mesh;
        this.watch = watch;
        this.transport = transport;
        this.self = self;
        this.initialized = initialized;
    }

    void stop() {
        stopped = true;
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
                pushWaiting();
                seen = watch.awaitChange(seen, 1000, false);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            System.err.println("claude-mesh-server: channel push stopped: " + e.getMessage()
                    + " (items stay in the inbox for the hooks and poll_inbox)");
        }
    }

    void pushWaiting() {
        String me = self.get();
        List<InboxItem> items = mesh.takeInbox(me);
        for (int i = 0; i < items.size(); i++) {
            InboxItem item = items.get(i);
            try {
                transport.notifyClients(METHOD, params(item)).block(Duration.ofSeconds(10));
            } catch (RuntimeException e) {
                List<String> unsent = items.subList(i, items.size()).stream().map(InboxItem::id).toList();
                mesh.store().undeliver(me, unsent);
                throw e;
            }
        }
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
            case InboxItem.QUESTION -> "The asker is blocked until you answer with reply_to_peer (question_id above).";
            case InboxItem.TASK -> "When done, call complete_task with the task_id above, a status and the result.";
            default -> "No reply is required.";
        };
    }
}
