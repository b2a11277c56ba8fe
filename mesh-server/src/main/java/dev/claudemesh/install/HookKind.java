package dev.claudemesh.install;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code install --hooks=auto|mcp|command}: which kind of hook delivers items. {@code mcp}: UserPromptSubmit,
 * PostToolUse and Stop are {@code mcp_tool} hooks that the session's own server answers in-process (Claude Code
 * 2.1.118+); {@code command}: every hook starts a process (older Claude Code). {@code auto} asks
 * {@code claude --version}.
 */
public enum HookKind {
    MCP(MeshHook.Kind.MCP),
    COMMAND(MeshHook.Kind.COMMAND);

    /** The Claude Code command {@code auto} asks (environment only), when it is not {@code claude} on the PATH. */
    public static final String CLAUDE_COMMAND = "CLAUDE_MESH_CLAUDE";

    final MeshHook.Kind kind;

    HookKind(MeshHook.Kind kind) {
        this.kind = kind;
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    private static final Pattern VERSION = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)");

    /** What {@code --hooks=auto} picks, and why (one line for install's output). */
    public record Choice(HookKind kind, String why) {
    }

    /** The kind for Claude Code {@code version} (the output of {@code claude --version}); empty when it names none. */
    static Optional<HookKind> forVersion(String version) {
        Matcher m = VERSION.matcher(version == null ? "" : version);
        if (!m.find()) {
            return Optional.empty();
        }
        Matcher since = VERSION.matcher(MeshHook.MCP_TOOL_SINCE);
        since.find();
        for (int g = 1; g <= 3; g++) {
            long have = Long.parseLong(m.group(g));
            long need = Long.parseLong(since.group(g));
            if (have != need) {
                return Optional.of(have > need ? MCP : COMMAND);
            }
        }
        return Optional.of(MCP);
    }

    /** Asks {@code claude} (the command on PATH, or {@code claudeCommand}) for its version. */
    public static Choice detect(String claudeCommand) {
        String out;
        try {
            Process p = new ProcessBuilder(claudeCommand, "--version").redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Choice(COMMAND, "`" + claudeCommand + " --version` did not answer within 15 s: command hooks "
                        + "(work with every Claude Code; --hooks=mcp for in-process hooks)");
            }
            out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
        } catch (java.io.IOException e) {
            return new Choice(COMMAND, "no `" + claudeCommand + "` found to ask its version: command hooks (work with every "
                    + "Claude Code; --hooks=mcp for in-process hooks on 2.1.118+)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Choice(COMMAND, "interrupted while asking `" + claudeCommand + " --version`: command hooks");
        }
        String first = out.lines().findFirst().orElse("");
        Optional<HookKind> k = forVersion(first);
        if (k.isEmpty()) {
            return new Choice(COMMAND, "`" + claudeCommand + " --version` said '" + first + "', no version: command hooks");
        }
        return k.get() == MCP
                ? new Choice(MCP, "Claude Code " + first + " has mcp_tool hooks: prompt, tool-use and stop hooks answered by the session's server")
                : new Choice(COMMAND, "Claude Code " + first + " predates mcp_tool hooks (" + MeshHook.MCP_TOOL_SINCE + "): command hooks");
    }
}
