package io.patchwork.benchmarks.manager;

import io.micrometer.core.instrument.MeterRegistry;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.Passphrase;
import io.patchwork.manager.Manager;
import io.patchwork.manager.ledger.LedgerMetrics;
import io.patchwork.manager.ledger.LedgerRegistry;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.node.host.EmbeddedLedgers;
import java.nio.file.Path;
import java.util.Optional;

/** The network manager's ledger service as the benchmarks run it: on an embedded registry. */
final class BenchServices {
  private BenchServices() {}

  /** The whole manager (registry, tokens, ledgers, API on a free port) under {@code directory}. */
  static Manager manager(Path directory) throws Exception {
    return Manager.start(
        new Manager.Settings(
            directory,
            "127.0.0.1",
            0,
            Optional.empty(),
            Passphrase.of("benchmark passphrase".toCharArray())));
  }

  static LedgerService ledgerService(
      Path directory, EmbeddedDatabase database, MeterRegistry meters) throws CaException {
    CertificateAuthorities authorities =
        CertificateAuthorities.builder()
            .dataSource(database.dataSource())
            .keyDirectory(directory.resolve("ca-keys"))
            .passphrase(Passphrase.of("benchmark passphrase".toCharArray()))
            .build();
    return new LedgerService(
        new EmbeddedLedgers(),
        directory,
        new LedgerRegistry(database.dataSource()),
        authorities,
        new LedgerMetrics(meters));
  }
}
