package io.patchwork.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Node keys sealed with the key store passphrase: only that passphrase and label open them. */
class KeySealTest {
  @TempDir Path directory;

  @Test
  void a_sealed_key_opens_with_its_passphrase_and_label_only() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair key = generator.generateKeyPair();
    KeySeal seal = KeySeal.open(directory, Passphrase.of("the right passphrase".toCharArray()));
    assertThat(directory.resolve(KeySeal.SALT_FILE)).exists();
    assertThat(Files.getPosixFilePermissions(directory.resolve(KeySeal.SALT_FILE)))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    String sealed = seal.seal(key.getPrivate(), "tls");
    assertThat(KeySeal.isSealed(sealed)).isTrue();
    assertThat(sealed).doesNotContain("-----BEGIN PRIVATE KEY-----");
    assertThat(KeySeal.isSealed(Pem.privateKey(key.getPrivate()))).isFalse();

    // The same directory and passphrase open it again, as after a restart.
    KeySeal again = KeySeal.open(directory, Passphrase.of("the right passphrase".toCharArray()));
    assertThat(again.unseal(sealed, "tls").getEncoded()).isEqualTo(key.getPrivate().getEncoded());

    assertThatThrownBy(() -> again.unseal(sealed, "signing"))
        .isInstanceOfSatisfying(
            CaException.class, e -> assertThat(e.error()).isEqualTo(CaError.PASSPHRASE_INVALID));
    KeySeal other = KeySeal.open(directory, Passphrase.of("another passphrase!".toCharArray()));
    assertThatThrownBy(() -> other.unseal(sealed, "tls"))
        .isInstanceOfSatisfying(
            CaException.class, e -> assertThat(e.error()).isEqualTo(CaError.PASSPHRASE_INVALID))
        .hasMessageContaining("another passphrase, or the file was altered");
    String altered = sealed.replaceFirst("A", "B").replaceFirst("Q", "R");
    assertThatThrownBy(() -> again.unseal(altered, "tls")).isInstanceOf(CaException.class);
    assertThatThrownBy(() -> again.unseal("not a key", "tls"))
        .isInstanceOfSatisfying(
            CaException.class, e -> assertThat(e.error()).isEqualTo(CaError.STORAGE_FAILURE));
  }
}
