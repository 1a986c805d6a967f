package io.patchwork.ca;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The referee sits at the bottom: it knows nothing of governance, ledgers or the manager. One
 * package: when it grows packages, their layering belongs here too (see node's ArchitectureTest).
 */
class ArchitectureTest {
  private static final JavaClasses CA =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.patchwork.ca");

  @Test
  void authorityDependsOnNoModuleAboveIt() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.patchwork.governance..",
            "io.patchwork.templates..",
            "io.patchwork.node..",
            "io.patchwork.manager..")
        .check(CA);
  }
}
