package io.patchwork.templates;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Templates stand beside the ledger modules: they know nothing of ledgers or the manager. One
 * package: when it grows packages, their layering belongs here too (see node's ArchitectureTest).
 */
class ArchitectureTest {
  private static final JavaClasses TEMPLATES =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.patchwork.templates");

  @Test
  void templatesDependOnNoOtherPatchworkModule() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.patchwork.ca..",
            "io.patchwork.governance..",
            "io.patchwork.node..",
            "io.patchwork.manager..")
        .check(TEMPLATES);
  }
}
