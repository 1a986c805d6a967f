package io.patchwork.manager;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The manager talks to ledgers through the node module's narrow API (docs/architecture.md): the
 * {@code api} package, the wire messages of {@code config.proto}, a member's signer from {@code
 * crypto}, and from {@code host} only what starts nodes in this process and reads their files. Its
 * own packages do not depend on each other in a loop.
 */
class ArchitectureTest {
  private static final JavaClasses MANAGER =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.patchwork.manager");

  /** The node packages the manager may use, and the host classes it may name. */
  private static final Set<String> NODE_PACKAGES =
      Set.of("io.patchwork.node.api", "io.patchwork.node.config.proto", "io.patchwork.node.crypto");

  private static final Set<String> HOST_CLASSES =
      Set.of(
          "io.patchwork.node.host.EmbeddedLedgers",
          "io.patchwork.node.host.NodeCommand",
          "io.patchwork.node.host.NodeFiles",
          "io.patchwork.node.host.NodeFiles$Signing",
          "io.patchwork.node.host.NodeFiles$Credentials",
          "io.patchwork.node.host.SatelliteOrderers");

  @Test
  void managerUsesOnlyTheNodeApiAndItsMessages() {
    noClasses()
        .should()
        .dependOnClassesThat(outsideTheNodeApi())
        .because("the manager talks to ledgers through io.patchwork.node.api")
        .check(MANAGER);
  }

  @Test
  void managerPackagesDoNotDependOnEachOtherInALoop() {
    slices().matching("io.patchwork.manager.(**)").should().beFreeOfCycles().check(MANAGER);
  }

  static DescribedPredicate<JavaClass> outsideTheNodeApi() {
    return new DescribedPredicate<>("are node classes outside its API") {
      @Override
      public boolean test(JavaClass target) {
        String name = target.getName();
        if (!name.startsWith("io.patchwork.node.")) {
          return false;
        }
        return !NODE_PACKAGES.contains(target.getPackageName()) && !HOST_CLASSES.contains(name);
      }
    };
  }
}
