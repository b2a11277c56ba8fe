package dev.claudemesh.cli;

import picocli.CommandLine.Option;

import java.util.Optional;

/** {@code --as NAME}, shared by the commands that send something (a picocli mixin: one declaration, one help text). */
final class SpeakerOption {
    @Option(names = "--as", paramLabel = "NAME",
            description = "Speak as NAME, which no live session may hold; its record is left as it is (default: cli@HOST, "
                    + "this machine's command line).")
    String as;

    /** The name given, if one was: {@link MeshOpener#speaker} decides who the command speaks as. */
    Optional<String> name() {
        return Optional.ofNullable(as);
    }
}
