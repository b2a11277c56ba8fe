package dev.claudemesh.config;

import java.util.Locale;

/**
 * How file leases are enforced, as the user chose (environment or {@code .env}), resolved once at start-up.
 *
 * @param ask             MESH_LEASE_DECISION=ask: Claude Code asks the user about an edit another session holds
 *                        exclusively; deny (the default) refuses it
 * @param autoClaimSeconds MESH_LEASE_AUTO_SECONDS: when above 0, a session's first edit of a file takes a shared
 *                        lease of it for that long, so others are warned; 0 (the default) is off
 */
public record LeaseSettings(boolean ask, int autoClaimSeconds) {
    public static final String DECISION = "MESH_LEASE_DECISION";
    public static final String AUTO_SECONDS = "MESH_LEASE_AUTO_SECONDS";
    public static final LeaseSettings DEFAULT = new LeaseSettings(false, 0);

    public static LeaseSettings from(Settings settings) {
        String decision = settings.get(DECISION).orElse("deny").strip().toLowerCase(Locale.ROOT);
        if (!decision.equals("deny") && !decision.equals("ask")) {
            throw new ConfigException(DECISION + " must be deny or ask, got '" + decision + "'");
        }
        String auto = settings.get(AUTO_SECONDS).orElse("0").strip();
        int seconds;
        try {
            seconds = Integer.parseInt(auto);
        } catch (NumberFormatException e) {
            seconds = -1;
        }
        if (seconds < 0 || seconds > 86_400) {
            throw new ConfigException(AUTO_SECONDS + " must be a whole number of seconds from 0 (off) to 86400, got '" + auto + "'");
        }
        return new LeaseSettings(decision.equals("ask"), seconds);
    }
}
