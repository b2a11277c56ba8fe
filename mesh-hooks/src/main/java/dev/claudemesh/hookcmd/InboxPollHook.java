package dev.claudemesh.hookcmd;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.hook.HookException;
import dev.claudemesh.hook.HookInput;
import dev.claudemesh.hook.HookSocket;
import dev.claudemesh.hook.HookSocketClient;
import dev.claudemesh.hook.InboxPoll;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * UserPromptSubmit and Stop (see {@link InboxPoll} for what it answers). It runs on every prompt, so it first
 * asks its session's server, which answers from a warm JVM with the database already open
 * ({@link HookSocket}); only when no server answers does it open the database itself.
 */
@Command(name = "inbox-poll", mixinStandardHelpOptions = true,
        description = "UserPromptSubmit and Stop hook: adds new items from peers to the conversation, and blocks a stop while a peer waits for this session's answer or task.")
final class InboxPollHook implements Callable<String> {
    /** Set (to anything) to have the hook say on stderr which way it answered, and why. */
    static final String TRACE = "CLAUDE_MESH_HOOK_TRACE";

    @Override
    public String call() throws Exception {
        byte[] stdin = HookInput.readBytes(System.in);
        MeshConfig config = MeshConfig.from(Settings.load(HookSession.class));
        HookSocketClient.Outcome asked = HookSocketClient.ask(HookSocket.INBOX_POLL, config, stdin);
        // The trace is output the user asked for (CLAUDE_MESH_HOOK_TRACE), one line on stderr, not logging: a hook
        // answered by its server never loads slf4j.
        boolean trace = System.getenv(TRACE) != null;
        if (asked.answered()) {
            if (trace) {
                System.err.println("claude-mesh hook trace: " + asked.how());
            }
            if (!asked.error().isEmpty()) {
                throw new HookException(asked.error());
            }
            return asked.stdout();
        }
        if (trace) {
            System.err.println("claude-mesh hook trace: read the database; " + asked.how());
        }
        try (HookSession s = HookSession.open(stdin, config)) {
            return InboxPoll.answer(s.mesh, s.identity, s.input, InboxPoll.Rules.STANDALONE).stdout();
        }
    }
}
