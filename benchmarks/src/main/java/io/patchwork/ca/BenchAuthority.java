package io.patchwork.ca;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * An authority on the embedded default store ({@link EmbeddedDatabase}, PKCS#12 key store) in a
 * temporary directory, as the {@code patchwork} command runs it.
 *
 * <p>The benchmarks live in package {@code io.patchwork.ca} so they can also time the
 * package-private CRL builder on its own.
 */
public final class BenchAuthority implements AutoCloseable {
  final Path directory;
  final CertificateAuthority ca;
  private final EmbeddedDatabase database;

  public BenchAuthority(String ledgerId) throws Exception {
    directory = Files.createTempDirectory("patchwork-bench-");
    database = EmbeddedDatabase.open(directory.resolve("ca"));
    ca =
        CertificateAuthorities.builder()
            .dataSource(database.dataSource())
            .keyDirectory(directory.resolve("keys"))
            .passphrase(Passphrase.of("benchmark passphrase".toCharArray()))
            .build()
            .createRoot(AuthoritySpec.of(ledgerId, "Bench Operator"));
  }

  /** The authority, for benchmarks outside this package. */
  public CertificateAuthority authority() {
    return ca;
  }

  static KeyPair newKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  @Override
  public void close() {
    database.close();
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
