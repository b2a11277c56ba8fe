package dev.claudemesh.identity;

import java.util.Locale;
import java.util.regex.Pattern;

/** The one place that says what a peer name may be, and how names compare (without regard to case). */
public final class PeerNames {
    public static final int MAX_LENGTH = 64;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_LENGTH + "}");

    private PeerNames() {
    }

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    /** Why {@code name} is not a valid peer name, or null when it is. */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "a peer name must not be empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "a peer name has at most " + MAX_LENGTH + " characters (got " + name.length() + ")";
        }
        if (!VALID.matcher(name).matches()) {
            return "peer name '" + printable(name) + "' may hold only letters, digits, '.', '_' and '-'";
        }
        return null;
    }

    /** The key under which names are unique: names differing only in case are the same peer. */
    public static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    /**
     * A valid name made from a directory name: characters a name may not hold become '-', and the result is
     * cut to the maximum length. Used only for the default name; names the user writes are validated, never
     * silently changed.
     */
    public static String fromDirectoryName(String dirName) {
        String cleaned = dirName == null ? "" : dirName.replaceAll("[^A-Za-z0-9._-]+", "-")
                .replaceAll("^-+|-+$", "");
        if (cleaned.length() > MAX_LENGTH) {
            cleaned = cleaned.substring(0, MAX_LENGTH);
        }
        return cleaned.isEmpty() ? "peer" : cleaned;
    }

    /** The n-th name for a second, third... session in the same project: backend, backend-2, backend-3. */
    public static String numbered(String base, int n) {
        if (n <= 1) {
            return base;
        }
        String suffix = "-" + n;
        String head = base.length() + suffix.length() > MAX_LENGTH ? base.substring(0, MAX_LENGTH - suffix.length()) : base;
        return head + suffix;
    }

    /** Shows control characters visibly so an error message cannot be garbled by the input it quotes. */
    public static String printable(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().limit(80).forEach(cp -> {
            if (Character.isISOControl(cp)) {
                out.append(String.format("\\u%04x", cp));
            } else {
                out.appendCodePoint(cp);
            }
        });
        return s.length() > 80 ? out + "..." : out.toString();
    }
}
