package dev.claudemesh.mcp;

import dev.claudemesh.identity.ProjectIdentity;
import dev.claudemesh.mesh.Claims;
import dev.claudemesh.mesh.Lease;
import dev.claudemesh.mesh.MeshException;
import dev.claudemesh.mesh.PeerText;
import dev.claudemesh.mesh.StoreException;
import io.modelcontextprotocol.server.McpServerFeatures.AsyncToolSpecification;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import io.modelcontextprotocol.spec.McpSchema.ToolAnnotations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static dev.claudemesh.mcp.Json.obj;
import static dev.claudemesh.mcp.Json.outSchema;
import static dev.claudemesh.mcp.Json.schema;
import static dev.claudemesh.mcp.Json.string;

/**
 * The file-lease tools: claim_files, release_files, list_claims for the model, and check_edit for the
 * PreToolUse hook ({@code type: mcp_tool}) on Edit, Write, MultiEdit and NotebookEdit. Claude Code reads an
 * mcp_tool hook's text as hook JSON when it starts with '{' (structured content is ignored there), so check_edit
 * answers in hook JSON alone.
 */
final class LeaseTools {
    private static final Logger LOG = LoggerFactory.getLogger(LeaseTools.class);
    static final String CHECK_EDIT = "check_edit";

    private final dev.claudemesh.mesh.Mesh mesh;
    private final Claims.Repository repo;
    private final ProjectIdentity identity;
    private final AtomicReference<String> selfName;
    private final Claims.Policy policy;

    LeaseTools(dev.claudemesh.mesh.Mesh mesh, Claims.Repository repo, ProjectIdentity identity, AtomicReference<String> selfName,
               Claims.Policy policy) {
        this.mesh = mesh;
        this.repo = repo;
        this.identity = identity;
        this.selfName = selfName;
        this.policy = policy;
    }

    List<AsyncToolSpecification> all() {
        return List.of(claimFiles(), releaseFiles(), listClaims(), checkEdit());
    }

    private static Map<String, Object> leaseSchema() {
        return outSchema(obj("lease_id", string("The lease"), "holder", string("The session holding it"),
                "paths", obj("type", "array", "items", obj("type", "string")),
                "exclusive", obj("type", "boolean", "description", "Others' edits are stopped (else only noted)"),
                "reason", string("Why, in the holder's words (untrusted peer text)"),
                "since", string("When it was claimed (UTC, ISO-8601)"), "until", string("When it ends at the latest"),
                "mine", obj("type", "boolean", "description", "Held by this session")),
                List.of("lease_id", "holder", "paths", "exclusive", "reason", "since", "until"));
    }

    private Map<String, Object> row(Lease l) {
        return obj("lease_id", l.id(), "holder", l.holder(), "paths", l.globs(), "exclusive", l.exclusive(), "reason", l.reason(),
                "since", l.claimedAt().toString(), "until", l.expiresAt().toString(), "mine", mesh.claims().isMine(self(), l));
    }

    private AsyncToolSpecification claimFiles() {
        Tool tool = Tool.builder("claim_files", schema(obj(
                        "paths", obj("type", "array", "items", obj("type", "string"), "minItems", 1,
                                "description", "Files or globs relative to the repository root: src/api/**, **/*.sql, README.md. "
                                        + "* and ? stay within a directory; ** spans directories; a trailing / means all below."),
                        "reason", string("What you are doing, shown to a session whose edit this stops."),
                        "ttl_seconds", obj("type", "integer", "minimum", 1, "maximum", Claims.MAX_TTL_SECONDS,
                                "description", "How long the lease lasts at most; default " + Claims.DEFAULT_TTL_SECONDS + "."),
                        "exclusive", obj("type", "boolean", "description", "Stop other sessions' edits of these paths "
                                + "(default true); false only warns them.")), List.of("paths", "reason")))
                .description("Claim files of this repository so other sessions do not edit them meanwhile: their Edit/Write of "
                        + "a claimed file is refused with your reason and told to ask_peer you. Ends at release_files, at its "
                        + "TTL, or when this session ends. Returns the lease_id and others' leases that overlap.")
                .outputSchema(outSchema(obj("lease_id", string("The lease, for release_files"),
                        "paths", obj("type", "array", "items", obj("type", "string"), "description", "The globs as normalised"),
                        "exclusive", obj("type", "boolean"), "until", string("When it ends at the latest"),
                        "overlaps", obj("type", "array", "items", leaseSchema(), "description", "Other sessions' leases on these paths"),
                        "note", string("How to treat peer text")), List.of("lease_id", "paths", "exclusive", "until", "overlaps")))
                .annotations(new ToolAnnotations(null, false, false, false, false, null))
                .build();
        return spec(tool, call -> {
            Claims.Granted g = mesh.claims().claim(self(), repo, call.stringList("paths"), call.requiredString("reason"),
                    call.optionalInteger("ttl_seconds"), call.optionalBoolean("exclusive").orElse(true));
            Lease l = g.lease();
            StringBuilder text = new StringBuilder("Claimed " + String.join(", ", l.globs()) + (l.exclusive() ? " exclusively" : " (shared)")
                    + " as lease " + l.id() + " until " + l.expiresAt() + ".");
            for (Lease o : g.overlaps()) {
                text.append("\nAlso on these paths: ").append(Claims.describe(o, o.globs()));
            }
            return ok(text.toString(), obj("lease_id", l.id(), "paths", l.globs(), "exclusive", l.exclusive(),
                    "until", l.expiresAt().toString(), "overlaps", g.overlaps().stream().map(this::row).toList(),
                    "note", g.overlaps().isEmpty() ? null : MeshTools.TRUST_NOTE));
        });
    }

    private AsyncToolSpecification releaseFiles() {
        Tool tool = Tool.builder("release_files", schema(obj(
                        "lease_id", string("A lease claim_files returned: releases all of it."),
                        "paths", obj("type", "array", "items", obj("type", "string"),
                                "description", "Or: globs you claimed, as you claimed them; releases just those.")), List.of()))
                .description("Release files you claimed with claim_files (by lease_id, or by the paths claimed), so other sessions may edit them.")
                .outputSchema(outSchema(obj("released", obj("type", "array", "items", outSchema(obj("lease_id", string("The lease"),
                        "paths", obj("type", "array", "items", obj("type", "string"))), List.of("lease_id", "paths")))), List.of("released")))
                .annotations(new ToolAnnotations(null, false, false, false, false, null))
                .build();
        return spec(tool, call -> {
            List<Lease> done = mesh.claims().release(self(), repo, call.optionalString("lease_id"), call.stringList("paths"));
            List<Map<String, Object>> rows = done.stream().map(l -> obj("lease_id", l.id(), "paths", l.globs())).toList();
            StringBuilder text = new StringBuilder("Released");
            done.forEach(l -> text.append(' ').append(l.id()).append(" (").append(String.join(", ", l.globs())).append(')'));
            return ok(text.append('.').toString(), obj("released", rows));
        });
    }

    private AsyncToolSpecification listClaims() {
        Tool tool = Tool.builder("list_claims", schema(obj("scope", obj("type", "string", "enum", List.of("repo", "all"),
                        "description", "repo (default): this repository; all: every repository in the mesh.")), List.of()))
                .description("Who holds which files: every live lease (holder, paths, exclusive or shared, reason, since, until).")
                .outputSchema(outSchema(obj("repository", string("This repository's key"),
                        "claims", obj("type", "array", "items", leaseSchema()), "note", string("How to treat peer text")),
                        List.of("repository", "claims")))
                .annotations(new ToolAnnotations(null, true, false, true, false, null))
                .build();
        return spec(tool, call -> {
            String scope = call.optionalString("scope").orElse("repo");
            if (!scope.equals("repo") && !scope.equals("all")) {
                throw new MeshException("scope must be repo or all, got '" + scope + "'");
            }
            List<Lease> leases = mesh.claims().list(scope.equals("all") ? Optional.empty() : Optional.of(repo));
            StringBuilder text = new StringBuilder(leases.isEmpty() ? "No claims." : leases.size() + " claim(s). " + PeerText.NOTICE);
            for (Lease l : leases) {
                text.append('\n').append(Claims.describe(l, l.globs()));
            }
            return ok(text.toString(), obj("repository", repo.key(), "claims", leases.stream().map(this::row).toList(),
                    "note", leases.isEmpty() ? null : MeshTools.TRUST_NOTE));
        });
    }

    /**
     * The PreToolUse hook's check. It never fails an edit for a fault of its own: a database error lets the edit
     * through (an mcp_tool hook's error is silent to the model anyway), said on stderr.
     */
    private AsyncToolSpecification checkEdit() {
        Tool tool = Tool.builder(CHECK_EDIT, schema(obj("tool_name", string("The tool about to run (Edit, Write, MultiEdit, NotebookEdit)."),
                        "file_path", string("Its file_path"), "notebook_path", string("Its notebook_path (NotebookEdit)")), List.of()))
                .description("Used by claude-mesh's PreToolUse hook before Edit/Write: whether another session holds the "
                        + "file. Answers in Claude Code hook JSON; you do not need to call it.")
                .outputSchema(outSchema(obj("hookSpecificOutput", obj("type", "object",
                        "description", "PreToolUse hook output: permissionDecision deny or ask with its reason, or additionalContext")), List.of()))
                .annotations(new ToolAnnotations(null, true, false, true, false, null))
                .build();
        return AsyncToolSpecification.builder().tool(tool).callHandler((ex, req) -> Mono.fromCallable(() -> {
            ToolCall call = new ToolCall(req);
            String file = call.optionalString("file_path").filter(s -> !s.isBlank())
                    .orElse(call.optionalString("notebook_path").orElse(""));
            String edit = call.optionalString("tool_name").filter(s -> !s.isBlank()).orElse("This edit");
            return hookResult(mesh.claims().checkEdit(self(), repo, identity.projectPath(), file, policy), edit);
        }).subscribeOn(Schedulers.boundedElastic()).onErrorResume(e -> {
            LOG.warn("check_edit let an edit through after a failure: {}", e.toString());
            return Mono.just(hookJson(Map.of()));
        })).build();
    }

    /** The verdict as PreToolUse hook JSON. */
    static CallToolResult hookResult(Claims.EditCheck check, String toolName) {
        if (check.verdict() == Claims.Verdict.ALLOW) {
            return hookJson(Map.of());
        }
        String file = check.file().orElse("this file");
        Map<String, Object> out = new java.util.LinkedHashMap<>();
        out.put("hookEventName", "PreToolUse");
        StringBuilder why = new StringBuilder();
        if (check.verdict() == Claims.Verdict.NOTE) {
            why.append("claude-mesh: other sessions share a lease on ").append(file).append("; your edit goes ahead, but they may be changing it too. ");
        } else {
            why.append("claude-mesh: ").append(toolName).append(" of ").append(file).append(" was stopped: another session holds it. ");
        }
        List<String> ways = new ArrayList<>();
        for (Lease l : check.holders()) {
            why.append(Claims.describe(l, l.globs())).append(' ');
            ways.add(Claims.askHint(l));
        }
        if (check.verdict() == Claims.Verdict.NOTE) {
            why.append("To coordinate, ").append(String.join(" or ", ways)).append(". ").append(PeerText.NOTICE);
            out.put("additionalContext", why.toString());
        } else {
            why.append("To edit it, ask the holder: ").append(String.join(" or ", ways))
                    .append("; once it releases the claim (release_files) or its session ends, the edit goes through. ")
                    .append(PeerText.NOTICE);
            out.put("permissionDecision", check.verdict() == Claims.Verdict.ASK ? "ask" : "deny");
            out.put("permissionDecisionReason", why.toString());
        }
        return hookJson(Map.of("hookSpecificOutput", out));
    }

    /**
     * Hook JSON as the text (what Claude Code reads from an mcp_tool hook) and the same as structured content
     * (what a client that checks the output schema, or a model that calls the tool, reads).
     */
    private static CallToolResult hookJson(Map<String, Object> hook) {
        String text = new String(LeanJson.bytesOrJackson(hook), java.nio.charset.StandardCharsets.UTF_8);
        return CallToolResult.builder().addTextContent(text).structuredContent(hook).isError(false).build();
    }

    private String self() {
        return selfName.get();
    }

    private static AsyncToolSpecification spec(Tool tool, Function<ToolCall, CallToolResult> handler) {
        return AsyncToolSpecification.builder().tool(tool).callHandler((ex, req) -> Mono.fromCallable(() -> handler.apply(new ToolCall(req)))
                .subscribeOn(Schedulers.boundedElastic())
                .onErrorResume(e -> {
                    if (e instanceof MeshException || e instanceof StoreException) {
                        return Mono.just(MeshTools.error(e.getMessage()));
                    }
                    LOG.error("{} failed", tool.name(), e);
                    return Mono.just(MeshTools.error(tool.name() + " failed unexpectedly (" + e + "); nothing was changed "
                            + "unless a result said otherwise. Try again; if it persists, check the server's stderr log."));
                })).build();
    }

    private static CallToolResult ok(String text, Map<String, Object> structured) {
        return CallToolResult.builder().addTextContent(text).structuredContent(structured).isError(false).build();
    }
}
