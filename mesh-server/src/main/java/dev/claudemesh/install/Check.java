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

    public String line() {
        return String.format("%-4s  %-21s  %s%s", ok ? "ok" : "FAIL", subject, detail, fix == null ? "" : "; fix: " + fix);
    }
}
