package dev.claudemesh.hookcmd;

import dev.claudemesh.hook.SessionStart;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

/**
 * SessionStart: finds the peer this session's server made (waiting for it to join, since Claude Code starts
 * both at once) and tells the model who it is, who else is here, and what waits for it: open questions and
 * pending tasks (again, after /clear), and anything queued while no session had its name.
 */
@Command(name = "session-start", mixinStandardHelpOptions = true,
        description = "SessionStart hook: finds this session's peer (made by its server) and prints who it is, who else is online, and what waits for it.")
final class SessionStartHook implements Callable<String> {

    @Override
    public String call() throws Exception {
        try (HookSession s = HookSession.open()) {
            // Empty: no claude-mesh server runs in this session (not configured for it, or it failed to start),
            // so the session is not in the mesh and there is nothing true to tell the model.
            return SessionStart.answer(s.mesh, s.identity, s.input).orElse(null);
        }
    }
}
