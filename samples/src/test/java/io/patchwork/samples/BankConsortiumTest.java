package io.patchwork.samples;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.ca.Passphrase;
import io.patchwork.manager.Manager;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bank-consortium sample, run end to end as its command runs it. */
@Tag("cluster")
class BankConsortiumTest {
  @TempDir Path directory;

  @Test
  void twenty_banks_record_ious_vote_in_a_bank_close_settle_and_verify_the_archive()
      throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    try (Manager manager =
            Manager.start(
                new Manager.Settings(
                    directory.resolve("manager"),
                    "127.0.0.1",
                    0,
                    Optional.empty(),
                    Passphrase.of("bank consortium sample".toCharArray())));
        PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8)) {
      new BankConsortium(out, directory, manager.url(), manager.operatorTokenFile()).run(20, 200);
    }
    String report = printed.toString(StandardCharsets.UTF_8);
    assertThat(report)
        .contains("ledger 'banks' is ACTIVE")
        .contains("200 IOUs recorded")
        .contains("Bank 21 voted in and joined by invite")
        .containsPattern("the members replaced the referee: 2[01] peers certified by their own")
        .contains("ARCHIVED")
        .contains("netting ratio")
        .contains("transfers settle them")
        .contains("checked offline: verified: ledger banks");
  }
}
