package dev.claudemesh.mesh;

import dev.claudemesh.identity.PeerNames;

import java.util.List;
import java.util.Optional;

/** One-way messages to a peer, broadcasts to everyone or to a topic's subscribers, and the topics themselves. */
final class Messages {
    private final MeshContext ctx;
    private final MeshStore store;
    private final Presence presence;

    Messages(MeshContext ctx, Presence presence) {
        this.ctx = ctx;
        this.store = ctx.store;
        this.presence = presence;
    }

    Delivery tell(String from, String to, String message) {
        Peer target = presence.recipient(from, to, "tell");
        ctx.checkText("message", message, false);
        Outgoing item = new Outgoing(ctx.newId("m_"), InboxItem.MESSAGE, from, message, null, null, null, ctx.now());
        store.deliver(item, List.of(target.name()));
        return new Delivery(item.id(), presence.statusOf(target) == PeerStatus.OFFLINE ? Delivery.QUEUED : Delivery.SENT,
                List.of(target.name()));
    }

    Delivery broadcast(String from, String message, Optional<String> topic) {
        ctx.checkText("message", message, false);
        topic.ifPresent(Messages::checkTopic);
        String selfKey = PeerNames.key(from);
        List<String> recipients;
        if (topic.isPresent()) {
            recipients = store.subscribers(topic.get()).stream().filter(k -> !k.equals(selfKey))
                    .map(k -> store.peer(k).map(Peer::name).orElse(k)).toList();
        } else {
            recipients = store.peers().stream().filter(p -> !PeerNames.key(p.name()).equals(selfKey))
                    .filter(p -> presence.statusOf(p) == PeerStatus.ACTIVE).map(Peer::name).toList();
        }
        Outgoing item = new Outgoing(ctx.newId("b_"), InboxItem.BROADCAST, from, message, topic.orElse(null), null, null, ctx.now());
        store.deliver(item, recipients);
        return new Delivery(item.id(), recipients.isEmpty() ? Delivery.QUEUED : Delivery.SENT, recipients);
    }

    List<String> subscribe(String self, String topic) {
        checkTopic(topic);
        return store.subscribe(self, topic, ctx.now());
    }

    List<String> unsubscribe(String self, String topic) {
        checkTopic(topic);
        return store.unsubscribe(self, topic);
    }

    List<String> topics(String self) {
        return store.topics(self);
    }

    static void checkTopic(String topic) {
        if (topic == null || !topic.matches("[A-Za-z0-9._-]{1,64}")) {
            throw new MeshException("topic '" + (topic == null ? "" : PeerNames.printable(topic))
                    + "' is not valid: use 1 to 64 letters, digits, '.', '_' or '-'");
        }
    }
}
