package dev.claudemesh.bench;

/** One line of the results table; a section fills it in, and a row it never filled says why. */
final class Row {
    enum Verdict { MET, MISSED, NO_TARGET, NOT_MEASURED }

    final String id;
    final String name;
    final Unit unit;
    /** Null when the issue sets no target for this figure. */
    final Target target;
    /** Written instead of the target's own text, for targets that are not a number. */
    private final String targetText;

    String value = "not measured";
    String spread = "";
    String runs = "";
    double number = Double.NaN;
    Verdict verdict = Verdict.NOT_MEASURED;
    /** A figure this run could not take for want of something optional (a PostgreSQL server): not a failure. */
    boolean skipped;

    Row(String id, String name, Unit unit, Target target) {
        this(id, name, unit, target, null);
    }

    Row(String id, String name, Unit unit, Target target, String targetText) {
        this.id = id;
        this.name = name;
        this.unit = unit;
        this.target = target;
        this.targetText = targetText;
    }

    /** A measured number with its spread (already written) and how many samples or runs it rests on. */
    void measured(double v, String spread, String runs) {
        this.number = v;
        this.value = unit.format(v);
        this.spread = spread;
        this.runs = runs;
        this.verdict = target == null ? Verdict.NO_TARGET : target.met(v) ? Verdict.MET : Verdict.MISSED;
    }

    /** A result that is not a single number (a count, say), judged by the section. */
    void judged(String value, String spread, String runs, boolean met) {
        this.value = value;
        this.spread = spread;
        this.runs = runs;
        this.verdict = met ? Verdict.MET : Verdict.MISSED;
    }

    void failed(String why) {
        if (verdict == Verdict.NOT_MEASURED) {
            value = "not measured: " + why;
        }
    }

    /** Not measured for a reason that is not a failure; left out of the verdict. */
    void skip(String why) {
        value = "not measured: " + why;
        skipped = true;
    }

    boolean hasTarget() {
        return target != null || targetText != null;
    }

    String targetText() {
        return targetText != null ? targetText : target != null ? target.text() : "—";
    }

    String verdictText() {
        return switch (verdict) {
            case MET -> "yes";
            case MISSED -> "**no**";
            case NO_TARGET -> "(no target)";
            case NOT_MEASURED -> hasTarget() ? "**not measured**" : "(no target)";
        };
    }
}
