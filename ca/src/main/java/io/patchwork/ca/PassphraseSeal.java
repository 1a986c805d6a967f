package io.patchwork.ca;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Bytes sealed with the key store passphrase, for keeping secrets where others can read them (the
 * manager instances' shared registry): AES-256-GCM under a key derived from the passphrase with
 * PBKDF2-HMAC-SHA256 (a new random salt and nonce each time), bound to a label given as associated
 * data, so a sealed value copied under another label does not open. Layout: {@code "PWS1"}, salt
 * (16 bytes), nonce (12 bytes), ciphertext with its 16-byte tag.
 */
public final class PassphraseSeal {
  private static final byte[] MAGIC = "PWS1".getBytes(StandardCharsets.US_ASCII);
  private static final int SALT_BYTES = 16;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int PBKDF2_ITERATIONS = 210_000;

  private final Passphrase passphrase;
  private final SecureRandom random;

  public PassphraseSeal(Passphrase passphrase, SecureRandom random) {
    this.passphrase = Objects.requireNonNull(passphrase, "passphrase");
    this.random = Objects.requireNonNull(random, "random");
  }

  /** Seals {@code plaintext} under {@code label}. */
  public byte[] seal(String label, byte[] plaintext) throws CaException {
    byte[] salt = new byte[SALT_BYTES];
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(salt);
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key(salt), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(label.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext);
      return ByteBuffer.allocate(MAGIC.length + SALT_BYTES + NONCE_BYTES + sealed.length)
          .put(MAGIC)
          .put(salt)
          .put(nonce)
          .put(sealed)
          .array();
    } catch (GeneralSecurityException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "cannot seal " + label + ": " + e, e);
    }
  }

  /**
   * Opens what {@link #seal} made under the same label with the same passphrase.
   *
   * @throws CaException KEYSTORE_UNREADABLE if it is not a sealed value, was sealed with another
   *     passphrase or under another label, or was altered
   */
  public byte[] open(String label, byte[] sealed) throws CaException {
    if (sealed.length < MAGIC.length + SALT_BYTES + NONCE_BYTES + TAG_BITS / 8
        || !Arrays.equals(Arrays.copyOf(sealed, MAGIC.length), MAGIC)) {
      throw new CaException(CaError.KEYSTORE_UNREADABLE, label + " is not a sealed value");
    }
    byte[] salt = Arrays.copyOfRange(sealed, MAGIC.length, MAGIC.length + SALT_BYTES);
    int body = MAGIC.length + SALT_BYTES + NONCE_BYTES;
    byte[] nonce = Arrays.copyOfRange(sealed, MAGIC.length + SALT_BYTES, body);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key(salt), new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(label.getBytes(StandardCharsets.UTF_8));
      return cipher.doFinal(sealed, body, sealed.length - body);
    } catch (javax.crypto.AEADBadTagException e) {
      throw new CaException(
          CaError.KEYSTORE_UNREADABLE,
          label + " does not open: sealed with another passphrase, or altered",
          e);
    } catch (GeneralSecurityException e) {
      throw new CaException(CaError.KEYSTORE_UNREADABLE, "cannot open " + label + ": " + e, e);
    }
  }

  private SecretKeySpec key(byte[] salt) throws GeneralSecurityException {
    char[] secret = passphrase.characters();
    PBEKeySpec spec = new PBEKeySpec(secret, salt, PBKDF2_ITERATIONS, 256);
    try {
      byte[] key =
          SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
      return new SecretKeySpec(key, "AES");
    } finally {
      spec.clearPassword();
      Arrays.fill(secret, '\0');
    }
  }
}
