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
import org.h2.jdbcx.JdbcConnectionPool;

/**
 * An authority on the embedded default store (H2 file database, PKCS#12 key store) in a temporary
 * directory, as the {@code patchwork} command runs it.
 *
 * <p>The benchmarks live in package {@code io.patchwork.ca} so they can also time the
 * package-private CRL builder on its own.
 */
final class BenchAuthority implements AutoCloseable {
  final Path directory;
  final CertificateAuthority ca;

  BenchAuthority(String ledgerId) throws Exception {
    directory = Files.createTempDirectory("patchwork-bench-");
    JdbcConnectionPool dataSource =
        JdbcConnectionPool.create(
            System.getProperty("bench.url", "jdbc:h2:file:" + directory.resolve("ca")), "sa", "");
    ca =
        CertificateAuthorities.builder()
            .dataSource(dataSource)
            .keyDirectory(directory.resolve("keys"))
            .passphrase(Passphrase.of("benchmark passphrase".toCharArray()))
            .build()
            .createRoot(AuthoritySpec.of(ledgerId, "Bench Operator"));
  }

  static KeyPair newKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  @Override
  public void close() {
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
