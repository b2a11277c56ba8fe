package dev.claudemesh.testing;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;

/**
 * A session transcript written as Claude Code writes one (the lines claude-mesh reads for proof of what the
 * model was shown), for tests that stand in for Claude Code: hook context given to the model, a channel event
 * queued and then shown, the model answering.
 */
public final class ClaudeTranscript {
    public final Path path;

    public ClaudeTranscript(Path path) {
        this.path = path;
    }

    /** The model was given this hook context (a {@code hook_additional_context} attachment). */
    public void given(String hookContext) {
        line(Map.of("type", "attachment", "attachment", Map.of("type", "hook_additional_context",
                "content", List.of(hookContext), "hookName", "UserPromptSubmit")));
    }

    /** Claude Code accepted a channel event (or an asyncRewake hook's output) for the model's next turn. */
    public void enqueued(String content) {
        line(Map.of("type", "queue-operation", "operation", "enqueue", "content", content));
    }

    /** Something reached the model as a user message: a channel event at its turn, a tool result. */
    public void shown(String content) {
        line(Map.of("type", "user", "message", Map.of("role", "user", "content", content), "isMeta", true));
    }

    /** The model answered. */
    public void answered() {
        line(Map.of("type", "assistant", "message", Map.of("role", "assistant",
                "content", List.of(Map.of("type", "text", "text", "ok")))));
    }

    private synchronized void line(Map<String, Object> record) {
        try {
            Files.writeString(path, MeshFixture.JSON.writeValueAsString(record) + "\n", StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * From now on, takes every channel event {@code server} pushes as a Claude Code that accepts channels would:
     * recorded as queued at once and then as shown to the model.
     */
    public void acceptChannelEvents(RawServer server) {
        Thread t = new Thread(() -> {
            int next = 0;
            while (!Thread.currentThread().isInterrupted() && server.process.isAlive()) {
                List<String> lines = server.stdoutLines;
                while (next < lines.size()) {
                    String l = lines.get(next++);
                    if (l.contains("notifications/claude/channel")) {
                        try {
                            JsonNode n = MeshFixture.JSON.readTree(l);
                            String content = n.path("params").path("content").asText();
                            enqueued(content);
                            shown(content);
                        } catch (IOException ignored) {
                            // not JSON: not an event
                        }
                    }
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "claude-transcript");
        t.setDaemon(true);
        t.start();
    }
}
