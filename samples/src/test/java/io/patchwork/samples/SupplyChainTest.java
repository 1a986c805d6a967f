package io.patchwork.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.manager.Manager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The supply-chain sample, run end to end as its command runs it. */
@Tag("cluster")
class SupplyChainTest {
  @TempDir Path directory;

  @Test
  void parties_notarise_shipment_documents_and_vote_a_member_out() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (Manager manager = Scenario.embeddedManager(directory);
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      new SupplyChain(out, directory, manager.url(), manager.operatorTokenFile()).run();
    }
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .contains("5 parties joined by invite")
        .contains("Carrier  anchored its bill-of-lading")
        .contains("anchored by CarrierMSP")
        .contains("voted the Insurer out")
        .contains("the Insurer's application is refused")
        .contains("the Carrier anchored the bill of lading of S-2");
  }
}
