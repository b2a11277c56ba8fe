package dev.claudemesh.cli;

import dev.claudemesh.config.MeshConfig;
import dev.claudemesh.config.Settings;
import dev.claudemesh.identity.PeerNames;
import dev.claudemesh.install.FileEdit;
import dev.claudemesh.install.ProjectFile;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.Peer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = {"Name this project's sessions: write \"name\" in .claude-mesh.json at the project root (the current "
                + "directory, or CLAUDE_MESH_PROJECT_PATH), keeping any other key.",
                "Refuses a name that is not valid, or that a live session of another project holds."})
final class InitCommand implements Callable<Integer> {
    @Parameters(arity = "0..1", paramLabel = "NAME",
            description = "Letters, digits, '.', '_' and '-', 1 to 64 characters (default: the directory's name, made valid).")
    String name;

    @Override
    public Integer call() {
        Path project = ScopeOption.project();
        String chosen = name != null ? name : PeerNames.fromDirectoryName(
                project.getFileName() == null ? "" : project.getFileName().toString());
        String problem = PeerNames.problem(chosen);
        if (problem != null) {
            throw new MeshException(problem + "; choose another name");
        }
        MeshConfig config = MeshConfig.from(Settings.load(InitCommand.class));
        // No mesh yet means nobody holds any name: do not create the database just to find that out.
        if (Files.isRegularFile(config.dbPath())) {
            try (MeshOpener m = new MeshOpener()) {
                Optional<Peer> holder = m.mesh.holderElsewhere(chosen, project.toString());
                if (holder.isPresent()) {
                    throw new MeshException("'" + chosen + "' is taken: a live session of " + holder.get().projectPath()
                            + " holds it; choose another name");
                }
            }
        }
        FileEdit edit = ProjectFile.naming(project, chosen);
        if (!edit.changed()) {
            System.out.println(edit.path() + " already names this project '" + chosen + "'");
            return 0;
        }
        edit.apply();
        System.out.println((edit.before() == null ? "wrote " : "updated ") + edit.path() + ": sessions in " + project
                + " are '" + chosen + "' (sessions already running keep their name until they restart)");
        return 0;
    }
}
