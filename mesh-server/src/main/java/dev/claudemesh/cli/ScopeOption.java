package dev.claudemesh.cli;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.install.Installation;
import dev.claudemesh.install.Scope;
import dev.claudemesh.mesh.MeshException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;

/** {@code --scope user|project}, shared by install and uninstall, and where "the project" and "this installation" are. */
final class ScopeOption {
    @Spec(Spec.Target.MIXEE)
    CommandSpec spec;

    private Scope scope = Scope.USER;

    @Option(names = "--scope", paramLabel = "user|project", defaultValue = "user",
            description = "user (default): for every project, in ~/.claude.json and ~/.claude/settings.json; "
                    + "project: for the current project only, in its .mcp.json and .claude/settings.json.")
    void scope(String value) {
        scope = Scope.parse(value).orElseThrow(() -> new ParameterException(spec.commandLine(),
                "--scope must be user or project, not '" + value + "'"));
    }

    Scope scope() {
        return scope;
    }

    /** The project: CLAUDE_MESH_PROJECT_PATH or CLAUDE_PROJECT_DIR when set (as for sessions), else here. */
    static Path project() {
        Path p = MeshConfig.projectOverride(Settings.load(ScopeOption.class)).orElseGet(() -> Path.of(System.getProperty("user.dir")));
        try {
            return p.toAbsolutePath().normalize().toRealPath();
        } catch (java.io.IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }

    static Installation installation() {
        return Installation.current().orElseThrow(() -> new MeshException(
                "cannot find this installation's bin/claude-mesh-server; run claude-mesh from a built checkout (bin/claude-mesh)"));
    }
}
