package dev.claudemesh.config;

import java.util.List;
import java.util.Optional;

/**
 * Whether a server pushes items as Claude Code channel events (MESH_CHANNEL), and how Claude Code must be
 * started to accept them (what install and doctor print). Claude Code drops channel notifications
 * silently unless the session opted in at launch, and an item we push counts as delivered, so the server
 * must know before it pushes: {@code on}, {@code off}, or {@code auto}, which looks at the arguments of the
 * Claude Code process that started this server (our parent).
 */
public final class ChannelMode {
    public static final String DEV_FLAG = "--dangerously-load-development-channels";
    static final String CHANNELS_FLAG = "--channels";

    private ChannelMode() {
    }

    /** How to start Claude Code so that it accepts this server's channel events (what install and doctor print). */
    public static String launchCommand(String serverName) {
        return "claude " + DEV_FLAG + " server:" + serverName;
    }

    /**
     * @param mode       MESH_CHANNEL: on, off or auto
     * @param serverName the name this server has in the user's MCP configuration
     * @param parentArgs the parent process's arguments, when the OS tells them
     */
    public static boolean enabled(String mode, String serverName, Optional<List<String>> parentArgs) {
        return switch (mode) {
            case "on" -> true;
            case "off" -> false;
            default -> parentArgs.map(args -> launchedWithChannel(args, serverName)).orElse(false);
        };
    }

    /**
     * True when the arguments name this server as a development channel ({@code server:NAME} after the
     * development flag, also comma-separated or as {@code --flag=value}), or include {@code --channels}
     * (allow-listed channel plugins).
     */
    static boolean launchedWithChannel(List<String> args, String serverName) {
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals(CHANNELS_FLAG) || a.startsWith(CHANNELS_FLAG + "=")) {
                return true;
            }
            String value = null;
            if (a.equals(DEV_FLAG)) {
                // The flag takes one or more values; read until the next option.
                StringBuilder values = new StringBuilder();
                for (int j = i + 1; j < args.size() && !args.get(j).startsWith("-"); j++) {
                    values.append(args.get(j)).append(',');
                }
                value = values.toString();
            } else if (a.startsWith(DEV_FLAG + "=")) {
                value = a.substring(DEV_FLAG.length() + 1);
            }
            if (value != null) {
                for (String v : value.split("[,\\s]+")) {
                    if (v.equals("server:" + serverName)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The parent's arguments from the OS ({@code /proc} on Linux, the process table on macOS). */
    public static Optional<List<String>> parentArguments() {
        return ProcessHandle.current().parent()
                .flatMap(p -> p.info().arguments())
                .map(List::of);
    }
}
