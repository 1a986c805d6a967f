package io.patchwork.benchmarks.manager;

import io.micrometer.core.instrument.MeterRegistry;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.Passphrase;
import io.patchwork.manager.ledger.LedgerMetrics;
import io.patchwork.manager.ledger.LedgerRegistry;
import io.patchwork.manager.ledger.LedgerService;
import java.nio.file.Path;

/** The network manager's ledger service as the benchmarks run it: on an embedded registry. */
final class BenchServices {
  private BenchServices() {}

  static LedgerService ledgerService(
      Path directory, EmbeddedDatabase database, MeterRegistry meters) throws CaException {
    CertificateAuthorities authorities =
        CertificateAuthorities.builder()
            .dataSource(database.dataSource())
            .keyDirectory(directory.resolve("ca-keys"))
            .passphrase(Passphrase.of("benchmark passphrase".toCharArray()))
            .build();
    return new LedgerService(
        directory,
        new LedgerRegistry(database.dataSource()),
        authorities,
        new LedgerMetrics(meters));
  }
}
