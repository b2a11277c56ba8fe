package dev.claudemesh.hooks;

import dev.claudemesh.mesh.Peer;
import dev.claudemesh.mesh.PeerText;
import dev.claudemesh.mesh.PeerView;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.Scope;
import picocli.CommandLine.Command;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** SessionStart: joins the mesh and tells the model who it is, who else is here, and what waits for it. */
@Command(name = "session-start", mixinStandardHelpOptions = true,
        description = "SessionStart hook: registers this session as an active peer and prints who it is, who else is online, and any questions waiting.")
final class SessionStartHook implements Callable<String> {

    @Override
    public String call() throws Exception {
        try (HookSession s = HookSession.open()) {
            Peer me = s.mesh.startSession(s.identity, s.sessionId(), s.input.string("source").orElse(""));
            List<PeerView> online = s.mesh.listPeers(me.name(), s.identity, Scope.MACHINE, false);
            List<Question> waiting = s.mesh.openQuestionsFor(me.name());
            s.mesh.store().markDelivered(me.name(), waiting.stream().map(Question::id).toList(), s.mesh.now());
            return HookOutput.context("SessionStart", render(me, online, waiting));
        }
    }

    static String render(Peer me, List<PeerView> online, List<Question> waiting) {
        StringBuilder out = new StringBuilder("claude-mesh: this session is peer '").append(me.name())
                .append("' (project ").append(me.projectPath()).append("). ");
        if (online.isEmpty()) {
            out.append("No other peers are online.");
        } else {
            out.append(online.size()).append(" other peer(s) online; names and summaries are their own words:\n");
            StringBuilder list = new StringBuilder();
            for (PeerView p : online) {
                list.append("- ").append(p.name()).append(" (").append(p.projectPath()).append(")")
                        .append(p.summary().isEmpty() ? "" : ": " + p.summary()).append('\n');
            }
            out.append(PeerText.frame("list", Map.of("source", "mesh"), list.toString().strip()));
        }
        out.append("\nTools: list_peers, ask_peer (ask and wait), reply_to_peer (answer a question), poll_inbox.");
        int budget = HookText.BUDGET - out.length();
        if (!waiting.isEmpty()) {
            out.append("\n").append(waiting.size()).append(" question(s) from peers wait for your answer. ")
                    .append(PeerText.NOTICE).append('\n');
            for (Question q : waiting) {
                String framed = HookText.question(q);
                if (framed.length() > budget) {
                    out.append("(more questions wait: call poll_inbox or answer the ones above first)\n");
                    break;
                }
                out.append(framed).append('\n');
                budget -= framed.length();
            }
            out.append("Each asker is blocked until you answer: call reply_to_peer with the question_id and your answer.");
        }
        return out.toString();
    }
}
