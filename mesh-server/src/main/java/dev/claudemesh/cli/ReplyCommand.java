package dev.claudemesh.cli;

import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.Question;
import dev.claudemesh.mesh.QuestionStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * Answers a question for the peer it was asked of: only that peer may answer, and the person at the terminal
 * speaks for it (a session that cannot, or one that is gone while its asker still waits). The asker hears the
 * answer as from that peer, exactly as if the session had replied.
 */
@Command(name = "reply", mixinStandardHelpOptions = true,
        description = {"Answer a question by its id (q_...), for the peer it was asked of; its asker gets the answer "
                + "as that peer's.", "claude-mesh tail shows questions with their ids."})
final class ReplyCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "QUESTION_ID", description = "The question's id, as tail or the session showed it.")
    String id;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "ANSWER", description = "The answer (words are joined with spaces).")
    List<String> words;

    @Override
    public Integer call() {
        try (MeshOpener m = new MeshOpener()) {
            Question asked = m.mesh.question(id);
            if (asked.status() != QuestionStatus.PENDING) {
                // The domain's refusal is written for a model (naming tools); a person hears what happened.
                throw new MeshException("question " + asked.id() + " is " + asked.status().wire() + "; nothing to answer"
                        + (asked.status() == QuestionStatus.ANSWERED ? "" : " (its asker no longer waits)"));
            }
            Question q = m.mesh.reply(asked.target(), asked.id(), String.join(" ", words));
            System.out.println(q.id() + " answered as " + TerminalText.line(q.target()) + " for " + TerminalText.line(q.asker()));
            return 0;
        }
    }
}
