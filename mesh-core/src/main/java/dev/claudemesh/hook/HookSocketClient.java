package dev.claudemesh.hook;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.claudemesh.config.MeshConfig;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The hook's side of {@link HookSocket}: find the session's server, hand it the hook's input, take back what to
 * print. Everything here is cheap to load on purpose (no JSON library, no database driver): it runs in a new
 * JVM on every prompt, and it is only worth having while it costs far less than opening the database.
 */
public final class HookSocketClient {

    /**
     * What came of asking.
     *
     * @param answered whether a server answered; if not, the hook does the work itself
     * @param stdout   what to print (empty: nothing)
     * @param error    the one line a failure leaves on stderr (empty: none)
     * @param how      which way it went and why, for {@code CLAUDE_MESH_HOOK_TRACE}
     */
    public record Outcome(boolean answered, String stdout, String error, String how) {
        static Outcome notAnswered(String why) {
            return new Outcome(false, "", "", why);
        }
    }

    private HookSocketClient() {
    }

    /** Asks the session's server to run hook {@code kind} on {@code stdin}; never throws. */
    public static Outcome ask(String kind, MeshConfig config, byte[] stdin) {
        try {
            Path dir = HookSocket.dir(config.dbPath());
            Optional<Path> projectOverride = config.projectOverride();
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return Outcome.notAnswered("no server socket: " + dir + " does not exist");
            }
            Optional<String> problem = HookSocket.problemWith(dir);
            if (problem.isPresent()) {
                return Outcome.notAnswered("server sockets not used: " + problem.get());
            }
            List<Long> lineage = lineage();
            HookSocket.Request request = new HookSocket.Request(kind, config.where(), config.host(),
                    projectOverride.isPresent() ? projectOverride.get().toString() : "", System.getProperty("user.dir"),
                    lineage.get(0), stdin);
            avoidProviderLookup();
            List<String> stale = new ArrayList<>();
            // Nearest ancestor first: Claude Code runs hooks through a shell, so its socket is one or two levels up.
            for (int i = 1; i < lineage.size(); i++) {
                Path socket = HookSocket.socket(dir, lineage.get(i));
                if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                Deadline deadline = new Deadline(channel, HookSocket.ANSWER_TIMEOUT_MS);
                try {
                    channel.connect(UnixDomainSocketAddress.of(socket));
                } catch (IOException e) {
                    // Left behind by a server that died: nobody listens. A server further up may still answer.
                    deadline.cancel();
                    channel.close();
                    stale.add(socket.getFileName() + " (" + e.getMessage() + ")");
                    continue;
                }
                try {
                    return exchange(channel, request, socket);
                } finally {
                    deadline.cancel();
                    channel.close();
                }
            }
            return Outcome.notAnswered(stale.isEmpty() ? "no server socket for this hook's ancestors in " + dir
                    : "no server answered: " + String.join(", ", stale));
        } catch (IOException | RuntimeException | java.util.ServiceConfigurationError e) {
            return Outcome.notAnswered("asking the server failed: " + e);
        }
    }

    private static Outcome exchange(SocketChannel channel, HookSocket.Request request, Path socket) {
        try {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Channels.newOutputStream(channel), 8192));
            request.write(out);
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(channel), 8192));
            if (!HookSocket.MAGIC.equals(in.readUTF()) || in.readInt() != HookSocket.VERSION) {
                return Outcome.notAnswered(socket + " did not answer as a claude-mesh server");
            }
            byte status = in.readByte();
            if (status == HookSocket.REFUSED) {
                return Outcome.notAnswered(socket + " refused: " + in.readUTF());
            }
            int n = status == HookSocket.ANSWERED ? in.readInt() : -1;
            if (n < 0 || n > HookSocket.MAX_STDOUT) {
                return Outcome.notAnswered(socket + " did not answer as a claude-mesh server");
            }
            byte[] stdout = in.readNBytes(n);
            String error = in.readUTF();
            String text = stdout.length == n ? strictUtf8(stdout) : null;
            if (text == null || error.indexOf('\n') >= 0 || !isHookOutput(text)) {
                return Outcome.notAnswered(socket + " answered with something that is not hook output");
            }
            // Only now may the server count its items as delivered; without this byte it puts them back.
            out.write(HookSocket.CONFIRM);
            out.flush();
            return new Outcome(true, text, error, "answered by the session's server on " + socket);
        } catch (IOException e) {
            // Timed out (the deadline closed the channel), or the server went away: the items it may have
            // taken go back to the inbox when our confirmation does not come.
            return Outcome.notAnswered(socket + ": no complete answer (" + e + ")");
        }
    }

    /**
     * This process and its ancestors' ids, nearest first. On Linux they are read from /proc: ProcessHandle
     * gives the same numbers but first sets up a reaper thread pool and method handles, a few milliseconds of
     * a hook's start. Elsewhere, and if /proc says something unexpected, ProcessHandle it is.
     */
    static List<Long> lineage() {
        List<Long> out = new ArrayList<>();
        try {
            long pid = parentFromStat("self", out);
            while (pid > 0 && out.size() < 64) {
                pid = parentFromStat(Long.toString(pid), out);
            }
            return out;
        } catch (IOException | RuntimeException notLinux) {
            out.clear();
            ProcessHandle self = ProcessHandle.current();
            out.add(self.pid());
            for (Optional<ProcessHandle> p = self.parent(); p.isPresent() && out.size() < 64; p = p.get().parent()) {
                out.add(p.get().pid());
            }
            return out;
        }
    }

    /** Adds the process {@code /proc/NAME/stat} describes to {@code out}; returns its parent's id (0: none). */
    private static long parentFromStat(String name, List<Long> out) throws IOException {
        // "PID (COMMAND) STATE PPID ...": the command may hold spaces and parentheses, so read from the last ')'.
        String stat = new String(Files.readAllBytes(Path.of("/proc", name, "stat")), StandardCharsets.ISO_8859_1);
        int close = stat.lastIndexOf(')');
        String[] after = stat.substring(close + 2).split(" ", 3);
        out.add(Long.parseLong(stat.substring(0, stat.indexOf(' '))));
        return Long.parseLong(after[1]);
    }

    /**
     * Opening the first socket channel makes the JDK look for a selector provider on the class path, which
     * means opening and indexing our whole jar: several milliseconds of a hook's start, to find nothing. Naming
     * the platform's own provider (the one the lookup ends with anyway) skips the search. Only where we know
     * its name; elsewhere the JDK looks as usual.
     */
    private static void avoidProviderLookup() {
        String property = "java.nio.channels.spi.SelectorProvider";
        if (System.getProperty(property) != null) {
            return;
        }
        String os = System.getProperty("os.name", "");
        if (os.equals("Linux")) {
            System.setProperty(property, "sun.nio.ch.EPollSelectorProvider");
        } else if (os.startsWith("Mac")) {
            System.setProperty(property, "sun.nio.ch.KQueueSelectorProvider");
        }
    }

    /**
     * Nothing, or exactly one JSON object: the only things an inbox-poll hook prints. The parser is loaded only
     * when there is something to print, so an empty inbox never pays for it.
     */
    static boolean isHookOutput(String s) {
        if (s.isEmpty()) {
            return true;
        }
        if (!s.startsWith("{")) {
            return false;
        }
        try (JsonParser p = new JsonFactory().createParser(s)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            p.skipChildren();
            return p.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    private static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * Closes the channel when time is up, which ends any connect, read or write blocked on it. A plain thread,
     * not a timer or a selector, because it is the cheapest thing to load.
     */
    private static final class Deadline extends Thread {
        private final SocketChannel channel;
        private final long ms;
        private volatile boolean cancelled;

        Deadline(SocketChannel channel, long ms) {
            super("claude-mesh-hook-deadline");
            this.channel = channel;
            this.ms = ms;
            setDaemon(true);
            start();
        }

        void cancel() {
            cancelled = true;
            interrupt();
        }

        @Override
        public void run() {
            try {
                Thread.sleep(ms);
                if (!cancelled) {
                    channel.close();
                }
            } catch (InterruptedException | IOException ignored) {
                // cancelled, or already closed
            }
        }
    }
}
