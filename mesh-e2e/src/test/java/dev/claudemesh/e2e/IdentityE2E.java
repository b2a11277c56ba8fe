package dev.claudemesh.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Who a session is: the name SessionStart tells the model is its own server's, however they start. */
@Tag("both-hook-kinds") // the hooks bring its items: once with mcp_tool hooks, once with command hooks
class IdentityE2E {
    private static final Pattern TOLD = Pattern.compile("this session is peer '([^']+)'");
    private static final Pattern SELF = Pattern.compile("\"self\"\\s*:\\s*\"([^\"]+)\"");

    @Test
    void sessionsStartedTogetherInOneProjectAreEachToldTheirOwnServersName() throws Exception {
        try (Sandbox sandbox = Sandbox.installed()) {
            Path app = sandbox.project("app");
            List<Session> sessions = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                Session s = Session.in(sandbox, app, Script.directives()).streaming();
                sessions.add(s);
            }
            for (Session s : sessions) {
                s.send("CALL list_peers {\"include_stale\": true}\nSAY listed");
            }
            Set<String> names = new HashSet<>();
            for (Session s : sessions) {
                s.awaitResult(1, Duration.ofSeconds(90));
                String shown = s.lastTurn().shownText();
                Matcher told = TOLD.matcher(shown);
                Matcher self = SELF.matcher(shown);
                assertTrue(told.find(), "SessionStart named no peer:\n" + shown);
                assertTrue(self.find(), "list_peers gave no self:\n" + shown);
                assertEquals(self.group(1), told.group(1), "the model was told one name and its server has another");
                names.add(told.group(1));
            }
            assertEquals(sessions.size(), names.size(), "two sessions share a name: " + names);
        }
    }
}
