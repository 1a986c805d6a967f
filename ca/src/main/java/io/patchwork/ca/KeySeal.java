package io.patchwork.ca;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Cipher;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Private keys kept in files, encrypted with the key store passphrase: AES-256-GCM under a key
 * derived once per directory with PBKDF2-HMAC-SHA256 (210,000 iterations) from the passphrase and a
 * random salt kept beside the keys ({@value #SALT_FILE}), each key under a nonce of its own and
 * bound to a label (what the key is for). A PEM block {@value #BLOCK} holds base64 of {@code
 * "PWK1"}, the nonce (12 bytes) and the encrypted PKCS#8 key with its 16-byte tag. Deriving once
 * per directory keeps opening a ledger of a hundred nodes quick; the salt is not secret.
 */
public final class KeySeal {
  public static final String SALT_FILE = "key-seal.salt";
  static final String BLOCK = "PATCHWORK SEALED PRIVATE KEY";
  private static final byte[] MAGIC = "PWK1".getBytes(StandardCharsets.US_ASCII);
  private static final int SALT_BYTES = 16;
  private static final int NONCE_BYTES = 12;
  private static final int TAG_BITS = 128;
  private static final int PBKDF2_ITERATIONS = 210_000;

  private final SecretKeySpec key;
  private final SecureRandom random = new SecureRandom();

  private KeySeal(SecretKeySpec key) {
    this.key = key;
  }

  /**
   * The seal of the keys kept under {@code directory}: with the salt kept there, or a new one
   * written there (owner-only) if it has none yet.
   *
   * @throws CaException STORAGE_FAILURE if the salt cannot be read or written
   */
  public static KeySeal open(Path directory, Passphrase passphrase) throws CaException {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(passphrase, "passphrase");
    Path file = directory.resolve(SALT_FILE);
    try {
      byte[] salt;
      if (Files.exists(file)) {
        salt = Files.readAllBytes(file);
      } else {
        salt = new byte[SALT_BYTES];
        new SecureRandom().nextBytes(salt);
        Files.createDirectories(directory);
        try {
          Files.write(
              Files.createFile(
                  file,
                  PosixFilePermissions.asFileAttribute(
                      PosixFilePermissions.fromString("rw-------"))),
              salt);
        } catch (FileAlreadyExistsException raced) {
          salt = Files.readAllBytes(file);
        }
      }
      if (salt.length != SALT_BYTES) {
        throw new CaException(CaError.STORAGE_FAILURE, file + " is not a key seal's salt");
      }
      char[] secret = passphrase.characters();
      try {
        PBEKeySpec spec = new PBEKeySpec(secret, salt, PBKDF2_ITERATIONS, 256);
        byte[] derived =
            SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        spec.clearPassword();
        return new KeySeal(new SecretKeySpec(derived, "AES"));
      } finally {
        Arrays.fill(secret, '\0');
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new CaException(
          CaError.STORAGE_FAILURE, "the key seal under " + directory + " is unusable: " + e, e);
    }
  }

  /** Whether a PEM text is a key this class sealed. */
  public static boolean isSealed(String pem) {
    return pem.contains("-----BEGIN " + BLOCK + "-----");
  }

  /** The key, sealed under {@code label}, as a PEM block. */
  public String seal(PrivateKey privateKey, String label) throws CaException {
    byte[] nonce = new byte[NONCE_BYTES];
    random.nextBytes(nonce);
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(label.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(privateKey.getEncoded());
      byte[] all =
          ByteBuffer.allocate(MAGIC.length + NONCE_BYTES + sealed.length)
              .put(MAGIC)
              .put(nonce)
              .put(sealed)
              .array();
      return "-----BEGIN "
          + BLOCK
          + "-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(all)
          + "\n-----END "
          + BLOCK
          + "-----\n";
    } catch (GeneralSecurityException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "cannot seal the " + label + " key: " + e, e);
    }
  }

  /**
   * The key a PEM block from {@link #seal} holds.
   *
   * @throws CaException PASSPHRASE_INVALID if it does not open with this passphrase and label (or
   *     was altered), STORAGE_FAILURE if it is not a sealed key
   */
  public PrivateKey unseal(String pem, String label) throws CaException {
    String body =
        pem.replace("-----BEGIN " + BLOCK + "-----", "")
            .replace("-----END " + BLOCK + "-----", "")
            .replaceAll("\\s", "");
    byte[] all;
    try {
      all = Base64.getDecoder().decode(body);
    } catch (IllegalArgumentException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "the sealed " + label + " key is not base64");
    }
    if (all.length <= MAGIC.length + NONCE_BYTES
        || !Arrays.equals(Arrays.copyOf(all, MAGIC.length), MAGIC)) {
      throw new CaException(CaError.STORAGE_FAILURE, "the " + label + " key is not sealed here");
    }
    byte[] nonce = Arrays.copyOfRange(all, MAGIC.length, MAGIC.length + NONCE_BYTES);
    byte[] sealed = Arrays.copyOfRange(all, MAGIC.length + NONCE_BYTES, all.length);
    byte[] plain;
    try {
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
      cipher.updateAAD(label.getBytes(StandardCharsets.UTF_8));
      plain = cipher.doFinal(sealed);
    } catch (GeneralSecurityException e) {
      throw new CaException(
          CaError.PASSPHRASE_INVALID,
          "the " + label + " key does not open: another passphrase, or the file was altered");
    }
    try {
      return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(plain));
    } catch (GeneralSecurityException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "the sealed " + label + " key is not EC");
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }
}
