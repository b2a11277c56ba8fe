package dev.claudemesh.hooks;

import dev.claudemesh.hook.InboxPoll;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** UserPromptSubmit and Stop: see {@link InboxPoll} for what it answers. */
@Command(name = "inbox-poll", mixinStandardHelpOptions = true,
        description = "UserPromptSubmit and Stop hook: adds new items from peers to the conversation, and blocks a stop while a peer waits for this session's answer or task.")
final class InboxPollHook implements Callable<String> {

    @Override
    public String call() throws Exception {
        try (HookSession s = HookSession.open()) {
            return InboxPoll.answer(s.mesh, s.identity, s.input).stdout();
        }
    }
}
