package io.patchwork.governance;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * Governance is a pure library above the referee: no ledger, manager or I/O framework in it. One
 * package: when it grows packages, their layering belongs here too (see node's ArchitectureTest).
 */
class ArchitectureTest {
  private static final JavaClasses GOVERNANCE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.patchwork.governance");

  @Test
  void governanceDependsOnNoModuleAboveIt() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.patchwork.templates..", "io.patchwork.node..", "io.patchwork.manager..")
        .check(GOVERNANCE);
  }

  @Test
  void governanceTouchesNoFilesNetworkOrDatabase() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("java.nio.file..", "java.net..", "java.sql..")
        .because("governance is a pure library: its callers do the I/O")
        .check(GOVERNANCE);
  }
}
