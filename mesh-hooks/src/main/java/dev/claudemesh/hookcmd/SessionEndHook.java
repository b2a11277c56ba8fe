package dev.claudemesh.hookcmd;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/** SessionEnd: marks this session's peer offline, but only if the ending session is the one recorded for it. */
@Command(name = "session-end", mixinStandardHelpOptions = true,
        description = "SessionEnd hook: marks this session's peer offline when the ending session_id is the one recorded for it.")
final class SessionEndHook implements Callable<String> {

    @Override
    public String call() throws Exception {
        try (HookSession s = HookSession.open()) {
            s.mesh.endSession(s.sessionId());
            return null; // Claude Code discards SessionEnd output
        }
    }
}
