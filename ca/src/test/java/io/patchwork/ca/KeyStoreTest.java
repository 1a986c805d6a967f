package io.patchwork.ca;

import static io.patchwork.ca.CertificateAuthorityContract.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.EncryptionScheme;
import org.bouncycastle.asn1.pkcs.PBES2Parameters;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.pkcs.PKCS12PfxPdu;
import org.bouncycastle.pkcs.PKCS12SafeBag;
import org.bouncycastle.pkcs.PKCS12SafeBagFactory;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The authorities' private keys: encrypted PKCS#12 files only their owner can read. */
class KeyStoreTest {
  @TempDir Path directory;

  @Test
  void the_authority_key_is_stored_in_an_owner_only_pkcs12_file_encrypted_with_aes_256()
      throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    fixture.root("keys");
    Path file = fixture.keyDirectory.resolve("keys.p12");

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fixture.keyDirectory)))
        .isEqualTo("rwx------");
    PKCS12PfxPdu pfx = new PKCS12PfxPdu(Files.readAllBytes(file));
    PKCS8EncryptedPrivateKeyInfo shrouded = null;
    for (var contentInfo : pfx.getContentInfos()) {
      if (!contentInfo.getContentType().equals(PKCSObjectIdentifiers.data)) {
        continue;
      }
      for (PKCS12SafeBag bag : new PKCS12SafeBagFactory(contentInfo).getSafeBags()) {
        if (bag.getBagValue() instanceof PKCS8EncryptedPrivateKeyInfo info) {
          shrouded = info;
        }
      }
    }
    assertThat(shrouded).as("a shrouded key bag").isNotNull();
    var algorithm = shrouded.getEncryptionAlgorithm();
    assertThat(algorithm.getAlgorithm()).isEqualTo(PKCSObjectIdentifiers.id_PBES2);
    EncryptionScheme scheme =
        PBES2Parameters.getInstance(algorithm.getParameters()).getEncryptionScheme();
    assertThat(scheme.getAlgorithm()).isEqualTo(NISTObjectIdentifiers.id_aes256_CBC);
  }

  @Test
  void a_wrong_passphrase_cannot_open_the_authority_and_is_never_echoed() throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    fixture.root("keys");
    String wrong = "a wrong passphrase of length";

    CaException refused =
        assertRefused(
            () ->
                CertificateAuthorities.builder()
                    .dataSource(fixture.dataSource)
                    .keyDirectory(fixture.keyDirectory)
                    .passphrase(Passphrase.of(wrong.toCharArray()))
                    .build()
                    .open("keys"),
            CaError.KEYSTORE_UNREADABLE);

    assertThat(refused.getMessage()).doesNotContain(wrong).doesNotContain(CaFixture.PASSPHRASE);
  }

  @Test
  void another_instance_with_its_own_key_directory_adopts_a_key_store_and_opens_the_authority()
      throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    CertificateAuthority made = fixture.root("keys");
    byte[] exported = fixture.authorities().exportKeyStore("keys");
    CertificateAuthorities elsewhere =
        CertificateAuthorities.builder()
            .dataSource(fixture.dataSource)
            .keyDirectory(directory.resolve("other-keys"))
            .passphrase(Passphrase.of(CaFixture.PASSPHRASE.toCharArray()))
            .build();
    // The file recorded is the creating instance's: gone from this one's view.
    Files.move(fixture.keyDirectory, directory.resolve("moved-away"));
    assertRefused(() -> elsewhere.open("keys"), CaError.KEYSTORE_UNREADABLE);

    // Another passphrase's key store, or another authority's key, is refused; nothing is written.
    CertificateAuthority other = fixture.root("other");
    byte[] otherKey = fixture.authorities().exportKeyStore("other");
    assertRefused(
        () -> {
          elsewhere.adoptKeyStore("keys", otherKey);
          return null;
        },
        CaError.KEYSTORE_UNREADABLE);
    assertRefused(
        () -> {
          CertificateAuthorities.builder()
              .dataSource(fixture.dataSource)
              .keyDirectory(directory.resolve("third-keys"))
              .passphrase(Passphrase.of("another passphrase".toCharArray()))
              .build()
              .adoptKeyStore("keys", exported);
          return null;
        },
        CaError.KEYSTORE_UNREADABLE);
    assertThat(directory.resolve("other-keys/keys.p12")).doesNotExist();
    assertThat(directory.resolve("third-keys/keys.p12")).doesNotExist();

    elsewhere.adoptKeyStore("keys", exported);
    assertThat(Files.getPosixFilePermissions(directory.resolve("other-keys/keys.p12")))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    CertificateAuthority adopted = elsewhere.open("keys");
    assertThat(adopted.certificate()).isEqualTo(made.certificate());
    assertThat(other.certificate()).isNotEqualTo(made.certificate());
  }

  @Test
  void a_sealed_value_opens_only_with_its_passphrase_and_label_and_unaltered() throws Exception {
    PassphraseSeal seal =
        new PassphraseSeal(Passphrase.of(CaFixture.PASSPHRASE.toCharArray()), new SecureRandom());
    byte[] secret = "peer keys".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] sealed = seal.seal("custody of trade", secret);

    assertThat(seal.open("custody of trade", sealed)).isEqualTo(secret);
    assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain("peer keys");
    assertRefused(() -> seal.open("custody of other", sealed), CaError.KEYSTORE_UNREADABLE);
    byte[] altered = sealed.clone();
    altered[altered.length - 1] ^= 1;
    assertRefused(() -> seal.open("custody of trade", altered), CaError.KEYSTORE_UNREADABLE);
    CaException wrong =
        assertRefused(
            () ->
                new PassphraseSeal(
                        Passphrase.of("a wrong passphrase of length".toCharArray()),
                        new SecureRandom())
                    .open("custody of trade", sealed),
            CaError.KEYSTORE_UNREADABLE);
    assertThat(wrong).hasMessageContaining("another passphrase");
    assertRefused(
        () -> seal.open("custody of trade", new byte[] {1, 2, 3}), CaError.KEYSTORE_UNREADABLE);
  }

  @Test
  void a_key_store_readable_by_others_is_refused() throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    fixture.root("keys");
    Files.setPosixFilePermissions(
        fixture.keyDirectory.resolve("keys.p12"), PosixFilePermissions.fromString("rw-r--r--"));

    CaException refused =
        assertRefused(() -> fixture.authorities().open("keys"), CaError.KEYSTORE_UNREADABLE);
    assertThat(refused).hasMessageContaining("chmod 600");
  }

  @Test
  void a_creation_whose_commit_fails_after_writing_the_key_store_leaves_no_key_file()
      throws Exception {
    FailingDataSource failing = new FailingDataSource(Databases.h2(directory));
    CaFixture fixture = new CaFixture(directory, failing);
    CertificateAuthorities authorities = fixture.authorities();
    failing.failCommitNumber(2); // the first commit only reads; the second records the authority

    assertRefused(
        () -> authorities.createRoot(AuthoritySpec.of("keys", "Operator")),
        CaError.STORAGE_FAILURE);

    failing.failCommitNumber(0);
    assertThat(failing.failedCommits()).isEqualTo(1);
    assertThat(authorities.ledgerIds()).isEmpty();
    try (var files = Files.list(fixture.keyDirectory)) {
      assertThat(files).isEmpty();
    }
    assertThat(authorities.createRoot(AuthoritySpec.of("keys", "Operator"))).isNotNull();
  }

  @Test
  void a_key_store_left_by_an_interrupted_creation_is_set_aside_not_used() throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    Files.createDirectories(fixture.keyDirectory);
    Files.writeString(fixture.keyDirectory.resolve("keys.p12"), "left by a crash");

    CertificateAuthority ca = fixture.root("keys");

    assertThat(fixture.authorities().open("keys").certificate()).isEqualTo(ca.certificate());
    try (var files = Files.list(fixture.keyDirectory)) {
      assertThat(files.map(file -> file.getFileName().toString()))
          .hasSize(2)
          .contains("keys.p12")
          .anyMatch(name -> name.startsWith("keys.p12.orphaned-"));
    }
  }

  @Test
  void a_passphrase_comes_from_an_environment_variable_and_never_prints() throws Exception {
    Passphrase passphrase =
        Passphrase.fromEnvironment("CA_PASS", Map.of("CA_PASS", "twelve chars!"));
    assertThat(passphrase.toString()).isEqualTo("Passphrase[redacted]");

    CaException missing =
        assertRefused(
            () -> Passphrase.fromEnvironment("CA_PASS", Map.of()), CaError.PASSPHRASE_INVALID);
    assertThat(missing).hasMessageContaining("CA_PASS");
    CaException tooShort =
        assertRefused(
            () -> Passphrase.fromEnvironment("CA_PASS", Map.of("CA_PASS", "tiny-secret")),
            CaError.PASSPHRASE_INVALID);
    assertThat(tooShort.getMessage()).doesNotContain("tiny-secret").contains("shorter than 12");
    assertRefused(() -> Passphrase.of("short".toCharArray()), CaError.PASSPHRASE_INVALID);
  }

  /** Hands out connections one of whose commits fails, as a database that dies would. */
  static final class FailingDataSource implements DataSource {
    private final DataSource delegate;
    private final AtomicInteger commitsUntilFailure = new AtomicInteger();
    private final AtomicInteger failedCommits = new AtomicInteger();

    FailingDataSource(DataSource delegate) {
      this.delegate = delegate;
    }

    /** Fails the n-th commit from now (1 = the next); 0 disarms. */
    void failCommitNumber(int n) {
      commitsUntilFailure.set(n);
    }

    int failedCommits() {
      return failedCommits.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
      Connection connection = delegate.getConnection();
      return (Connection)
          Proxy.newProxyInstance(
              Connection.class.getClassLoader(),
              new Class<?>[] {Connection.class},
              (proxy, method, arguments) -> {
                if (method.getName().equals("commit")
                    && commitsUntilFailure.get() > 0
                    && commitsUntilFailure.decrementAndGet() == 0) {
                  failedCommits.incrementAndGet();
                  throw new SQLException("injected commit failure", "08006");
                }
                try {
                  return method.invoke(connection, arguments);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return delegate.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      delegate.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      delegate.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return delegate.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return delegate.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      return delegate.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
      return delegate.isWrapperFor(type);
    }
  }
}
