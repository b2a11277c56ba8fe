package dev.claudemesh.cli;

import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.view.ViewServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

@Command(name = "view", mixinStandardHelpOptions = true,
        description = {"Watch the mesh live in a browser: peers, questions and answers, messages, broadcasts, tasks, "
                + "and where each item stands for each recipient.",
                "The page is served on 127.0.0.1 only, at a URL holding a random token that every request must carry. "
                        + "The URL is printed, and opened in the browser when the desktop has one. Read-only unless "
                        + "--allow-send. Ctrl-C stops it."})
final class ViewCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--port", paramLabel = "N", defaultValue = "0",
            description = "The port on 127.0.0.1 (default: any free port).")
    int port;

    @Option(names = "--no-open", description = "Do not open a browser; only print the URL.")
    boolean noOpen;

    @Option(names = "--allow-send", description = "Let the page send messages, and answer the questions peers ask "
            + "of it, as the peer named by --as (which joins the mesh while the view runs).")
    boolean allowSend;

    @Option(names = "--as", paramLabel = "NAME", defaultValue = "user",
            description = "With --allow-send, the peer the page writes as (default: ${DEFAULT-VALUE}).")
    String as;

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65_535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be between 0 and 65535 (got " + port + ")");
        }
        if (!allowSend && spec.commandLine().getParseResult().hasMatchedOption("--as")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--as names the peer the page writes as, so it needs --allow-send");
        }
        if (allowSend) {
            String problem = PeerNames.problem(as);
            if (problem != null) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--as: " + TerminalText.line(problem));
            }
        }
        MeshOpener m = new MeshOpener();
        Optional<String> self;
        try {
            self = allowSend ? Optional.of(joinAs(m)) : Optional.empty();
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        ScheduledExecutorService heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "view-heartbeat");
            t.setDaemon(true);
            return t;
        });
        // The page's peer is alive while the view runs: peers on other hosts judge it by its heartbeat.
        self.ifPresent(name -> heartbeat.scheduleWithFixedDelay(() -> {
            try {
                m.mesh.heartbeat(name);
            } catch (RuntimeException e) {
                System.err.println("claude-mesh view: heartbeat failed: " + e.getMessage());
            }
        }, m.config.heartbeatSeconds(), m.config.heartbeatSeconds(), TimeUnit.SECONDS));
        ViewServer server;
        try {
            server = ViewServer.start(m.mesh, new ViewServer.Options(port, self, m.mesh.status().where(),
                    m.config.maxMessageChars() * 4 + 4096));
        } catch (java.io.IOException e) {
            self.ifPresent(m::leave);
            m.close();
            System.err.println("claude-mesh: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            heartbeat.shutdownNow();
            server.close();
            self.ifPresent(m::leave);
            m.close();
        }, "view-stop"));

        System.out.println(server.url());
        System.out.println(self.map(name -> "Sending allowed: the page sends and answers as '" + name + "'.")
                .orElse("Read-only (--allow-send lets the page send messages and answer questions)."));
        boolean opened = !noOpen && server.openInBrowser();
        System.out.println((opened ? "Opened in your browser. " : "Open the URL above in a browser. ") + "Ctrl-C stops the view.");
        System.out.flush();
        Thread.currentThread().join(); // until Ctrl-C, which runs the hook above
        return 0;
    }

    /**
     * The page's own peer, for --allow-send: unlike {@code send --as}, which speaks once and records nothing, the
     * view stays in the mesh under the name while it runs (peers can ask it, so it must look alive to them), as
     * any process that is not a session does ({@link dev.claudemesh.mesh.Mesh#joinAs}).
     */
    private String joinAs(MeshOpener m) {
        try {
            return m.mesh.joinAs(as, ProjectIdentity.resolve(m.config, Optional.empty()), "a person, through claude-mesh view").name();
        } catch (MeshException e) {
            throw new MeshException("--as " + as + ": " + e.getMessage() + " (claude-mesh peers lists them)");
        }
    }
}
