package dev.claudemesh.hookcmd;

import dev.claudemesh.config.PrivateFiles;
import dev.claudemesh.hook.HookText;
import dev.claudemesh.mesh.ChangeWatch;
import dev.claudemesh.mesh.Inbox;
import dev.claudemesh.mesh.Peer;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Stop, run by Claude Code in the background ({@code "async": true, "asyncRewake": true}): waits until an
 * item for this session arrives and then wakes the session, even when it sits idle, by exiting 2 with the
 * item on stderr. Exits 0 quietly at its time limit, when the session ends, when a newer inbox-wait of the
 * same session takes over, or when the item was delivered another way first.
 */
@Command(name = "inbox-wait", mixinStandardHelpOptions = true,
        description = "Stop hook for async rewake: waits (up to MESH_WAIT_SECONDS) for an item from a peer, then exits 2 with it on stderr to wake the session.")
final class InboxWaitHook implements Callable<Object> {
    /** How often the waiter reads the change counter: cheap, and quick enough to wake an idle session. */
    static final long POLL_MS = 100;

    @Override
    public Object call() throws Exception {
        try (HookSession s = HookSession.open()) {
            Optional<Peer> found = s.mesh.sessionPeer(s.identity);
            if (found.isEmpty()) {
                return null;
            }
            String me = found.get().name();
            String session = s.input.string("session_id").orElse(null);
            Path token = s.waitToken(me);
            String myToken = ProcessHandle.current().pid() + "";
            // A newer waiter replaces older ones. Made 0600 and never through a link planted where it goes.
            PrivateFiles.write(token, myToken);
            long deadline = System.nanoTime() + s.config.waitSeconds() * 1_000_000_000L;
            try (ChangeWatch watch = s.mesh.watchChanges(POLL_MS)) {
                long seen = watch.current();
                long nextCheck = 0;
                Optional<String> log = s.input.string("transcript_path");
                while (System.nanoTime() < deadline) {
                    if (s.mesh.inbox().hasQueued(me)) {
                        s.mesh.settle(me, log);
                        String header = "claude-mesh (you are '" + me + "'): ";
                        Inbox.Batch batch = s.mesh.inbox().offerNext(me, Inbox.VIA_WAKE, log, List.of(), HookText.MAX_ITEMS,
                                HookText.fittingAfter(header));
                        if (!batch.isEmpty()) {
                            return new Wake(header + HookText.items(batch));
                        }
                        if (batch.tooLarge() > 0) {
                            return new Wake(header + HookText.more(batch).strip()); // it waits for poll_inbox
                        }
                        // taken another way first (a prompt, poll_inbox, a push): keep waiting
                    }
                    if (System.nanoTime() >= nextCheck) {
                        nextCheck = System.nanoTime() + 1_000_000_000L;
                        if (!s.mesh.sessionGoesOn(me, session) || !myToken.equals(read(token))) {
                            return null;
                        }
                    }
                    seen = watch.awaitChange(seen, Math.min(1000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000)), false);
                }
                return null;
            } finally {
                if (myToken.equals(read(token))) {
                    Files.deleteIfExists(token);
                }
            }
        }
    }

    private static String read(Path token) {
        try {
            return Files.readString(token, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
