package io.patchwork.ca;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import javax.sql.DataSource;

/** One state store and key directory, with a hand-moved clock; a test's authorities live here. */
final class CaFixture {
  static final String PASSPHRASE = "correct horse battery staple";
  static final Instant START = Instant.now().truncatedTo(ChronoUnit.SECONDS);

  final Path keyDirectory;
  final DataSource dataSource;
  final MutableClock clock = new MutableClock(START);

  CaFixture(Path directory, DataSource dataSource) {
    this.keyDirectory = directory.resolve("keys");
    this.dataSource = dataSource;
  }

  /** A fresh {@link CertificateAuthorities} on the same store, as after a restart. */
  CertificateAuthorities authorities() throws CaException {
    return CertificateAuthorities.builder()
        .dataSource(dataSource)
        .keyDirectory(keyDirectory)
        .passphrase(Passphrase.of(PASSPHRASE.toCharArray()))
        .clock(clock)
        .random(new SecureRandom())
        .build();
  }

  CertificateAuthority intermediate(String ledgerId, OperatorRoot operator) throws CaException {
    return authorities()
        .createIntermediate(
            AuthoritySpec.of(ledgerId, "Patchwork Operator"),
            operator.keyPair().getPrivate(),
            List.of(operator.certificate()));
  }

  CertificateAuthority root(String ledgerId) throws CaException {
    return authorities().createRoot(AuthoritySpec.of(ledgerId, "Patchwork Operator"));
  }
}
