package dev.claudemesh.install;

/**
 * One line of {@code doctor}: what was checked, whether it is fine, what was found, and for a failure what
 * to do about it.
 */
public record Check(String subject, boolean ok, String detail, String fix) {

    static Check ok(String subject, String detail) {
        return new Check(subject, true, detail, null);
    }

    static Check fail(String subject, String detail, String fix) {
        return new Check(subject, false, detail, fix);
    }

    /** Works, but something is likely not what was meant (a typo in a .env): said, never a failure. */
    static Check warn(String subject, String detail) {
        return new Check(subject, true, detail, "");
    }

    /** A warning: fine to run with, worth a look. */
    public boolean warning() {
        return ok && fix != null;
    }

    public String line() {
        if (warning()) {
            return String.format("%-4s  %-21s  %s", "warn", subject, detail);
        }
        return String.format("%-4s  %-21s  %s%s", ok ? "ok" : "FAIL", subject, detail, fix == null ? "" : "; fix: " + fix);
    }
}
