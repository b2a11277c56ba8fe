package dev.claudemesh.cli;

/** Text fitted on one terminal line: line breaks shown as ⏎, control characters dropped, long text cut. */
final class OneLine {
    private OneLine() {
    }

    static String of(String s, int max) {
        String flat = s.replace("\r\n", "\n").replace('\n', '⏎').replaceAll("\\p{Cntrl}", "");
        return flat.length() > max ? flat.substring(0, max - 1) + "…" : flat;
    }
}
