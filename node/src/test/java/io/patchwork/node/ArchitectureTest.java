package io.patchwork.node;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The node module's rooms and the one direction they depend in (docs/architecture.md draws the same
 * map). A package may use packages of its own layer and of the layers listed before it, never one
 * listed after it; no two packages use each other, directly or round a loop.
 */
class ArchitectureTest {
  private static final String ROOT = "io.patchwork.node";

  /** Layers from the bottom up: each may use the ones before it. */
  static final Map<String, List<String>> LAYERS = layers();

  private static Map<String, List<String>> layers() {
    Map<String, List<String>> layers = new LinkedHashMap<>();
    layers.put("wire formats", List.of("config.proto", "order.proto", "state.proto"));
    layers.put("foundations", List.of("crypto", "identity", "net", "tx"));
    layers.put("records", List.of("block", "store", "state"));
    layers.put("contracts", List.of("contract", "contract.builtin"));
    layers.put("opening", List.of("opening"));
    layers.put("config", List.of("config", "channel"));
    layers.put("decisions", List.of("governance", "settle"));
    layers.put("config judgement", List.of("update"));
    layers.put("nodes", List.of("order", "peer"));
    layers.put("audit", List.of("audit"));
    layers.put("api", List.of("api"));
    layers.put("hosting", List.of("host"));
    return layers;
  }

  private static final JavaClasses NODE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages(ROOT);

  @Test
  void everyPackageBelongsToALayer() {
    List<String> known = LAYERS.values().stream().flatMap(List::stream).toList();
    List<String> unplaced =
        NODE.stream()
            .map(c -> c.getPackageName())
            .filter(p -> !p.equals(ROOT))
            .map(p -> p.substring(ROOT.length() + 1))
            .distinct()
            .filter(p -> !known.contains(p))
            .sorted()
            .toList();
    assertThat(unplaced).as("node packages missing from ArchitectureTest.LAYERS").isEmpty();
  }

  @Test
  void packagesDependOnlyOnLayersBelowThem() {
    layering(LAYERS).check(NODE);
  }

  @Test
  void packagesDoNotDependOnEachOtherInALoop() {
    slices().matching(ROOT + ".(**)").should().beFreeOfCycles().check(NODE);
  }

  /** Each layer may be used only by the layers after it (and by itself). */
  static LayeredArchitecture layering(Map<String, List<String>> layers) {
    LayeredArchitecture architecture = layeredArchitecture().consideringOnlyDependenciesInLayers();
    for (Map.Entry<String, List<String>> layer : layers.entrySet()) {
      architecture =
          architecture
              .layer(layer.getKey())
              .definedBy(layer.getValue().stream().map(p -> ROOT + "." + p).toArray(String[]::new));
    }
    List<String> names = new ArrayList<>(layers.keySet());
    for (int i = 0; i < names.size(); i++) {
      List<String> above = names.subList(i + 1, names.size());
      architecture =
          above.isEmpty()
              ? architecture.whereLayer(names.get(i)).mayNotBeAccessedByAnyLayer()
              : architecture
                  .whereLayer(names.get(i))
                  .mayOnlyBeAccessedByLayers(above.toArray(String[]::new));
    }
    return architecture;
  }
}
