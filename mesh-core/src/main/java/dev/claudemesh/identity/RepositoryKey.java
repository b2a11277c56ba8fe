package dev.claudemesh.identity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What identifies a repository for file leases: its {@code origin} remote, normalised, so that two clones
 * (on two hosts of a PostgreSQL mesh, or side by side) share leases; without a remote, the host and the root
 * directory, which only sessions in that directory share.
 */
public final class RepositoryKey {
    private RepositoryKey() {
    }

    /** The key of the repository at {@code root} on {@code host}; runs {@code git remote get-url origin} once. */
    public static String of(Path root, String host) {
        String remote = originOf(root);
        String normal = remote == null ? null : normalise(remote);
        return normal != null ? normal : host + ":" + root;
    }

    /**
     * A remote URL reduced to host and path: scheme, user, password and port go, the host is lower-cased, a
     * trailing {@code .git} or '/' goes, so {@code git@github.com:Acme/shop.git} and
     * {@code https://token@GitHub.com/Acme/shop} are both {@code github.com/Acme/shop}. A local path stays a
     * path ({@code file:/srv/git/shop}). Null for something that is no URL.
     */
    public static String normalise(String remote) {
        String r = remote.strip();
        if (r.isEmpty() || r.chars().anyMatch(c -> c < 0x20)) {
            return null;
        }
        String host;
        String path;
        int scheme = r.indexOf("://");
        if (r.startsWith("file://")) {
            return "file:" + trim(r.substring("file://".length()));
        } else if (scheme > 0) {
            String rest = r.substring(scheme + 3);
            int slash = rest.indexOf('/');
            String authority = slash < 0 ? rest : rest.substring(0, slash);
            path = slash < 0 ? "" : rest.substring(slash + 1);
            host = authority.substring(authority.lastIndexOf('@') + 1);
            if (host.startsWith("[")) {
                host = host.substring(0, host.indexOf(']') + 1);
            } else if (host.contains(":")) {
                host = host.substring(0, host.indexOf(':'));
            }
        } else if (r.startsWith("/") || r.startsWith(".")) {
            return "file:" + trim(r);
        } else if (r.indexOf(':') > 0 && (r.indexOf('/') < 0 || r.indexOf(':') < r.indexOf('/'))) {
            // scp-like: [user@]host:path
            String authority = r.substring(0, r.indexOf(':'));
            host = authority.substring(authority.lastIndexOf('@') + 1);
            path = r.substring(r.indexOf(':') + 1);
        } else {
            return null;
        }
        path = trim(path.replaceAll("^/+", ""));
        if (host.isEmpty() || path.isEmpty()) {
            return null;
        }
        return host.toLowerCase(Locale.ROOT) + "/" + path;
    }

    private static String trim(String path) {
        String p = path.replaceAll("/+", "/");
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.endsWith(".git") ? p.substring(0, p.length() - 4) : p;
    }

    private static String originOf(Path root) {
        try {
            Process p = new ProcessBuilder(List.of("git", "-C", root.toString(), "remote", "get-url", "origin"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(3, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String s = new String(out, StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 && !s.isEmpty() ? s : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
