package io.kvorum.experiments;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * Holds the build to the module table of {@code docs/architecture.md}: the poms declare exactly the
 * Kvorum dependencies the table gives each module, the table and the build list the same modules,
 * the allowed graph has no cycle, and the compiled classes keep to it package by package (a module
 * could otherwise reach another through a transitive dependency its pom never names).
 */
class ArchitectureTest {
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([a-z-]+)`\\s*\\|\\s*`([a-z.]+)`\\s*\\|([^|]*)\\|\\s*$");

    private record Module(String name, String pkg, Set<String> allowed) {
    }

    private static Path root;
    private static Map<String, Module> table;

    @BeforeAll
    static void readTable() throws IOException {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/architecture.md"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("docs/architecture.md above " + Path.of("").toAbsolutePath()).isNotNull();
        root = dir;
        table = new LinkedHashMap<>();
        for (String line : Files.readAllLines(root.resolve("docs/architecture.md"))) {
            Matcher m = ROW.matcher(line);
            if (m.matches()) {
                Set<String> allowed = new TreeSet<>();
                for (String dep : m.group(3).split(",")) {
                    if (!dep.isBlank()) {
                        allowed.add(dep.trim());
                    }
                }
                table.put(m.group(1), new Module(m.group(1), m.group(2), allowed));
            }
        }
        assertThat(table).as("module rows in docs/architecture.md").isNotEmpty();
    }

    @Test
    void theTableListsExactlyTheModulesOfTheBuild() throws Exception {
        assertThat(table.keySet()).containsExactlyInAnyOrderElementsOf(modulesOfTheBuild());
        for (Module m : table.values()) {
            assertThat(table.keySet()).as("dependencies of " + m.name() + " named in the table").containsAll(m.allowed());
        }
    }

    @Test
    void everyPomDeclaresExactlyTheDependenciesTheTableAllows() throws Exception {
        for (String module : modulesOfTheBuild()) {
            assertThat(compileDependencies(module)).as("Kvorum compile dependencies of " + module + "/pom.xml")
                    .containsExactlyInAnyOrderElementsOf(table.get(module).allowed());
        }
    }

    @Test
    void theAllowedGraphHasNoCycle() {
        Map<String, Integer> state = new LinkedHashMap<>();
        for (String module : table.keySet()) {
            List<String> path = new ArrayList<>();
            assertThat(findCycle(module, state, path)).as("a cycle through " + path).isFalse();
        }
    }

    private static boolean findCycle(String module, Map<String, Integer> state, List<String> path) {
        Integer s = state.get(module);
        if (s != null) {
            if (s == 1) {
                path.add(module);
            }
            return s == 1;
        }
        state.put(module, 1);
        path.add(module);
        for (String dep : table.get(module).allowed()) {
            if (findCycle(dep, state, path)) {
                return true;
            }
        }
        path.remove(path.size() - 1);
        state.put(module, 2);
        return false;
    }

    @Test
    void classesDependOnlyOnTheModulesTheTableAllows() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.kvorum");
        assertThat(classes.size()).as("classes imported").isGreaterThan(100);
        for (Module m : table.values()) {
            List<String> forbidden = new ArrayList<>();
            for (Module other : table.values()) {
                if (!other.equals(m) && !m.allowed().contains(other.name())) {
                    forbidden.add(other.pkg() + "..");
                }
            }
            if (!forbidden.isEmpty()) {
                noClasses().that().resideInAPackage(m.pkg() + "..")
                        .should().dependOnClassesThat().resideInAnyPackage(forbidden.toArray(new String[0]))
                        .because("docs/architecture.md allows " + m.name() + " only " + m.allowed())
                        .allowEmptyShould(true)
                        .check(classes);
            }
        }
    }

    @Test
    void packagesAreFreeOfCycles() {
        JavaClasses classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.kvorum");
        slices().matching("io.kvorum.(*)..").should().beFreeOfCycles().check(classes);
    }

    private static List<String> modulesOfTheBuild() throws Exception {
        Document pom = parse(root.resolve("pom.xml"));
        List<String> modules = new ArrayList<>();
        NodeList nodes = pom.getElementsByTagName("module");
        for (int i = 0; i < nodes.getLength(); i++) {
            modules.add(nodes.item(i).getTextContent().trim());
        }
        return modules;
    }

    private static Set<String> compileDependencies(String module) throws Exception {
        Document pom = parse(root.resolve(module).resolve("pom.xml"));
        Set<String> deps = new LinkedHashSet<>();
        NodeList nodes = pom.getElementsByTagName("dependency");
        for (int i = 0; i < nodes.getLength(); i++) {
            Element dep = (Element) nodes.item(i);
            String artifact = text(dep, "artifactId");
            if ("io.kvorum".equals(text(dep, "groupId")) && artifact.startsWith("kvorum-")
                    && !"test".equals(text(dep, "scope"))) {
                deps.add(artifact.substring("kvorum-".length()));
            }
        }
        return deps;
    }

    private static String text(Element parent, String tag) {
        NodeList nodes = parent.getElementsByTagName(tag);
        return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent().trim();
    }

    private static Document parse(Path file) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }
}
