package dev.claudemesh.bench;

/** A goal from the issue: the figure must be at most, below, or at least {@code limit}. */
record Target(String op, double limit, Unit unit) {
    static Target atMost(double limit, Unit unit) {
        return new Target("≤", limit, unit);
    }

    static Target below(double limit, Unit unit) {
        return new Target("<", limit, unit);
    }

    static Target atLeast(double limit, Unit unit) {
        return new Target("≥", limit, unit);
    }

    boolean met(double value) {
        return switch (op) {
            case "≤" -> value <= limit;
            case "<" -> value < limit;
            case "≥" -> value >= limit;
            default -> throw new IllegalStateException(op);
        };
    }

    String text() {
        return op + " " + unit.limit(limit);
    }
}
