package dev.claudemesh.bench;

import java.util.Locale;

/** How a figure's numbers are written. */
enum Unit {
    MS(" ms"), MB(" MB"), PERCENT_CORE(" % of one core"), PER_SECOND(" msg/s");

    private final String suffix;

    Unit(String suffix) {
        this.suffix = suffix;
    }

    String format(double v) {
        return number(v) + suffix;
    }

    /** The number alone, with the precision that matters at its size. */
    String number(double v) {
        if (this == PER_SECOND) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (this == PERCENT_CORE) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a < 10 ? "%.2f" : a < 100 ? "%.1f" : "%.0f", v);
    }

    /** A limit as the issue writes it: {@code 20 ms}, {@code 2,000 msg/s}, {@code 1 % of one core}. */
    String limit(double v) {
        String n = new java.math.BigDecimal(v).stripTrailingZeros().toPlainString();
        if (this == PER_SECOND) {
            n = String.format(Locale.ROOT, "%,d", (long) v);
        }
        return n + suffix;
    }

    /** A range such as {@code 1.20–3.40 ms}. */
    String range(double lo, double hi) {
        return number(lo) + "–" + number(hi) + suffix;
    }
}
