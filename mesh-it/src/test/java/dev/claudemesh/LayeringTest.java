package dev.claudemesh;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.belongToAnyOf;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The package arrows of STYLE.md, checked on the product's classes (every module's main code, no tests):
 *
 * <pre>
 * config -> identity -> mesh (the domain; owns the MeshStore port) <- store, hook, mcp, hookcmd, cli, install, view, bench
 * </pre>
 *
 * A failure names each class and the dependency against the arrows.
 */
class LayeringTest {
    private static final String OURS = "dev.claudemesh";

    /** Each package and the packages of ours it may use; anything of ours not listed is against the arrows. */
    private static final List<Arrows> ARROWS = List.of(
            new Arrows("config"),
            new Arrows("identity", "config"),
            new Arrows("mesh", "config", "identity"),
            new Arrows("store", "config", "identity", "mesh"),
            // What hook processes and servers share: hook input and output, the hook socket, InboxPoll.
            new Arrows("hook", "config", "identity", "mesh"),
            // The adapters use the domain, never each other. The store only in their composition roots (below).
            new Arrows("mcp", "config", "identity", "mesh", "hook", "store"),
            new Arrows("hookcmd", "config", "identity", "mesh", "hook", "store"),
            new Arrows("cli", "config", "identity", "mesh", "install", "view", "store"),
            // The web view (claude-mesh view): an adapter like the others, reading and writing through the domain.
            new Arrows("view", "config", "identity", "mesh"),
            new Arrows("install", "config", "identity", "mesh", "store"),
            new Arrows("bench", "config", "identity", "mesh", "store"));

    /**
     * The composition roots: the classes that open a store (or, for a check, look at its file) and hand it to
     * the domain. Nothing else outside the domain and the store may touch the store package or the MeshStore port.
     */
    private static final Set<String> COMPOSITION_ROOTS = Set.of(
            "dev.claudemesh.mcp.ServerMain",
            "dev.claudemesh.hookcmd.HookSession",
            "dev.claudemesh.hookcmd.Training",
            "dev.claudemesh.cli.MeshOpener",
            "dev.claudemesh.install.Doctor",
            "dev.claudemesh.install.DatabaseCheck",
            "dev.claudemesh.install.Preparation",
            "dev.claudemesh.bench.BenchContext",
            // The server's hook socket makes a Mesh for each hook it answers, seen as that hook's process sees it.
            "dev.claudemesh.hook.HookSocketServer");

    /** What changes an item's delivery state: only {@code mesh.Inbox} may call these (the store implements them). */
    private static final Set<String> DELIVERY_TRANSITIONS = Set.of("offer", "accept", "markSeen", "release");

    private static final JavaClasses PRODUCT = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            // Test code that lives in jars: the fixtures module and mesh-core's test-jar.
            .withImportOption(location -> !location.contains("mesh-testing") && !location.contains("-tests.jar"))
            .importPackages(OURS);

    @Test
    void theImportSeesEveryModule() {
        for (String c : List.of("dev.claudemesh.mesh.Mesh", "dev.claudemesh.store.JdbcStore", "dev.claudemesh.mcp.ServerMain",
                "dev.claudemesh.cli.CliMain", "dev.claudemesh.hookcmd.HookMain", "dev.claudemesh.bench.BenchSuite")) {
            assertTrue(PRODUCT.contain(c), c + " was not imported; the rules below would check nothing");
        }
        assertTrue(PRODUCT.stream().noneMatch(c -> c.getPackageName().startsWith("dev.claudemesh.testing")),
                "test fixtures were imported as product code");
    }

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.claudemesh.(*)..").should().beFreeOfCycles().check(PRODUCT);
    }

    @Test
    void everyPackageUsesOnlyThePackagesItsArrowsAllow() {
        List<String> known = ARROWS.stream().map(Arrows::pkg).toList();
        for (Arrows a : ARROWS) {
            List<String> forbidden = new ArrayList<>();
            for (String other : known) {
                if (!other.equals(a.pkg()) && !a.allowed().contains(other)) {
                    forbidden.add(OURS + "." + other + "..");
                }
            }
            if (!forbidden.isEmpty()) {
                noClasses().that().resideInAPackage(OURS + "." + a.pkg() + "..")
                        .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(String[]::new))
                        .because("STYLE.md: data flows one way, " + a.pkg() + " may use only " + a.allowed())
                        .check(PRODUCT);
            }
        }
    }

    @Test
    void everyPackageIsKnownToTheArrows() {
        List<String> known = ARROWS.stream().map(Arrows::pkg).toList();
        List<String> unknown = PRODUCT.stream().map(c -> c.getPackageName())
                .filter(p -> p.startsWith(OURS + ".")).map(p -> p.substring(OURS.length() + 1).split("\\.")[0])
                .distinct().filter(p -> !known.contains(p)).toList();
        assertTrue(unknown.isEmpty(), "packages without arrows in LayeringTest: " + unknown + "; say what each may use");
    }

    @Test
    void theDomainKnowsNothingOfMcpPicocliOrJson() {
        ArchRule rule = noClasses().that().resideInAnyPackage(OURS + ".mesh..", OURS + ".config..")
                .should().dependOnClassesThat().resideInAnyPackage("io.modelcontextprotocol..", "picocli..",
                        "com.fasterxml..", "reactor..", "java.sql..", "org.flywaydb..", "org.sqlite..", "org.postgresql..")
                .because("STYLE.md: the domain knows nothing of MCP, picocli, JSON-RPC or how the store is built");
        rule.check(PRODUCT);
    }

    @Test
    void onlyTheStoreWritesSql() {
        noClasses().that().resideOutsideOfPackages(OURS + ".store..", OURS + ".bench..")
                .should().dependOnClassesThat().resideInAnyPackage("java.sql..", "org.flywaydb..", "org.sqlite..", "org.postgresql..")
                .because("STYLE.md: the store is the only code that writes SQL (the benchmark drops its own databases)")
                .check(PRODUCT);
    }

    @Test
    void hookProcessesNeverLoadTheMcpSdkOrJacksonDatabind() {
        noClasses().that().resideInAnyPackage(OURS + ".hookcmd..", OURS + ".hook..")
                .should().dependOnClassesThat().resideInAnyPackage("io.modelcontextprotocol..", "reactor..",
                        "com.fasterxml.jackson.databind..")
                .because("a hook starts a JVM each time: it loads the streaming JSON parser only")
                .check(PRODUCT);
    }

    @Test
    void adaptersCallTheDomainAndNeverHoldTheStore() {
        noClasses().that().resideOutsideOfPackages(OURS + ".mesh..", OURS + ".store..")
                .and(not(within("a composition root", COMPOSITION_ROOTS)))
                .should().dependOnClassesThat(resideInAPackage(OURS + ".store..")
                        .or(belongToAnyOf(dev.claudemesh.mesh.MeshStore.class)))
                .because("STYLE.md: adapters never hold the store; only the composition roots open one and hand it "
                        + "to the domain")
                .check(PRODUCT);
    }

    @Test
    void nothingOutsideTheDomainReachesTheStoreThroughTheMesh() {
        noClasses().that().resideOutsideOfPackage(OURS + ".mesh..")
                .should().callMethod(dev.claudemesh.mesh.Mesh.class, "store")
                .because("Mesh is the door to the rules, not a way past them: adapters call its methods")
                .check(PRODUCT);
    }

    @Test
    void onlyTheInboxChangesDeliveryState() {
        noClasses().that().doNotHaveFullyQualifiedName("dev.claudemesh.mesh.Inbox")
                .should().callMethodWhere(DescribedPredicate.describe("a delivery transition of the store port " + DELIVERY_TRANSITIONS,
                        call -> call.getTarget().getOwner().isAssignableTo(dev.claudemesh.mesh.MeshStore.class)
                                && DELIVERY_TRANSITIONS.contains(call.getTarget().getName())))
                .because("STYLE.md: delivery has one owner with a few named transitions; nothing else writes delivery state")
                .check(PRODUCT);
    }

    @Test
    void theStoreWritesDeliveryStateInOnePlace() throws java.io.IOException {
        // Every statement that changes an inbox row's state is built in JdbcStore.transition(); the store's own steps
        // that prove or end an item (answering, completing, closing a question) call it too.
        String source = java.nio.file.Files.readString(java.nio.file.Path.of(System.getProperty("mesh.repo.root", ".."))
                .resolve("mesh-core/src/main/java/dev/claudemesh/store/JdbcStore.java"));
        int transition = source.indexOf("private static List<String> transition(");
        assertTrue(transition > 0, "JdbcStore.transition() is where delivery state is written");
        String body = source.substring(transition, source.indexOf("\n    }\n", transition));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("UPDATE inbox SET").matcher(source);
        while (m.find()) {
            assertTrue(m.start() > transition && m.start() < transition + body.length(),
                    "an UPDATE of inbox outside JdbcStore.transition() at offset " + m.start());
        }
    }

    @Test
    void productCodeNeverUsesTheBenchmark() {
        noClasses().that().resideOutsideOfPackage(OURS + ".bench..")
                .should().dependOnClassesThat(resideInAnyPackage(OURS + ".bench.."))
                .because("the benchmark suite has a jar of its own and ships in no product jar")
                .check(PRODUCT);
    }

    /** The classes named, with their nested and anonymous classes (lambdas, records inside). */
    private static DescribedPredicate<JavaClass> within(String what, Set<String> names) {
        return DescribedPredicate.describe(what, c -> {
            JavaClass top = c;
            while (top.getEnclosingClass().isPresent()) {
                top = top.getEnclosingClass().get();
            }
            return names.contains(top.getName());
        });
    }

    private record Arrows(String pkg, List<String> allowed) {
        Arrows(String pkg, String... allowed) {
            this(pkg, List.of(allowed));
        }
    }
}
