package io.patchwork.ca;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import javax.crypto.spec.PBEParameterSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authorities' private keys, one encrypted PKCS#12 file per ledger, mode 0600, in a directory
 * of mode 0700. Files are written to a temporary name, forced to disk and renamed, so a crash never
 * leaves a partial key store under the real name.
 */
final class KeyStoreDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(CertificateAuthority.class);
  private static final String ALIAS = "authority";
  private static final String KEY_PROTECTION = "PBEWithHmacSHA256AndAES_256";
  private static final int PBKDF2_ITERATIONS = 100_000;
  private static final Set<PosixFilePermission> OWNER_ONLY_FILE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> GROUP_OR_OTHER =
      EnumSet.of(
          PosixFilePermission.GROUP_READ,
          PosixFilePermission.GROUP_WRITE,
          PosixFilePermission.GROUP_EXECUTE,
          PosixFilePermission.OTHERS_READ,
          PosixFilePermission.OTHERS_WRITE,
          PosixFilePermission.OTHERS_EXECUTE);

  private final Path directory;
  private final Passphrase passphrase;

  KeyStoreDirectory(Path directory, Passphrase passphrase) {
    this.directory = directory.toAbsolutePath().normalize();
    this.passphrase = passphrase;
  }

  /** The file that holds a ledger's authority key. */
  Path fileFor(String ledgerId) {
    return directory.resolve(ledgerId + ".p12");
  }

  /**
   * Writes a new key store. Call it only while holding the authority's row lock (see {@link
   * CaStore#insertAuthority}); an existing file is then an orphan and is moved aside.
   *
   * @return the file written
   */
  Path create(String ledgerId, PrivateKey key, List<X509Certificate> chain, SecureRandom random)
      throws CaException {
    return write(ledgerId, encode(key, chain, random), random, false);
  }

  /**
   * Writes {@code encoded} under a temporary name, forces it to disk and moves it into place:
   * replacing the ledger's file ({@code replace}), or only where none is (one there is set aside as
   * an orphan first).
   */
  private Path write(String ledgerId, byte[] encoded, SecureRandom random, boolean replace)
      throws CaException {
    Path target = fileFor(ledgerId);
    Path temporary =
        directory.resolve("." + ledgerId + ".p12." + Long.toHexString(random.nextLong()));
    try {
      ensureDirectory();
      if (!replace && Files.exists(target)) {
        setAsideOrphan(ledgerId, target);
      }
      writeForced(temporary, encoded);
      if (replace) {
        Files.move(
            temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } else {
        moveIntoPlace(temporary, target);
      }
      forceDirectory();
      return target;
    } catch (FileAlreadyExistsException e) {
      throw new CaException(
          CaError.AUTHORITY_EXISTS, "a key store for ledger " + ledgerId + " exists at " + target);
    } catch (IOException e) {
      throw new CaException(
          CaError.STORAGE_FAILURE,
          "cannot write the key store for ledger " + ledgerId + " under " + directory + ": " + e,
          e);
    } finally {
      deleteQuietly(temporary);
    }
  }

  /**
   * Moves away a key store that no authority records: the leftover of a creation that crashed after
   * writing its key store and before committing. The caller holds the authority's row lock, so no
   * creation in progress can own it. The file is kept, renamed, for the operator to inspect.
   */
  private void setAsideOrphan(String ledgerId, Path target) throws IOException {
    Path aside = directory.resolve(ledgerId + ".p12.orphaned-" + System.currentTimeMillis());
    Files.move(target, aside);
    LOG.atWarn()
        .setMessage(
            "an unrecorded key store was left by an interrupted creation; moved aside, not used")
        .addKeyValue("event", "ca.keystore.orphan")
        .addKeyValue("ledger", ledgerId)
        .addKeyValue("movedTo", aside)
        .log();
  }

  /** Reads a ledger's key store. */
  PrivateKey read(Path file) throws CaException {
    return decode(file.toString(), encoded(file));
  }

  /** A key store's bytes, as written (encrypted with the passphrase). */
  byte[] encoded(Path file) throws CaException {
    try {
      Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
      if (permissions.stream().anyMatch(GROUP_OR_OTHER::contains)) {
        throw new CaException(
            CaError.KEYSTORE_UNREADABLE,
            "key store "
                + file
                + " is accessible to group or others ("
                + PosixFilePermissions.toString(permissions)
                + "); restrict it with chmod 600 and open it again");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new CaException(CaError.KEYSTORE_UNREADABLE, "key store " + file + " is missing", e);
    } catch (IOException e) {
      throw new CaException(
          CaError.KEYSTORE_UNREADABLE, "cannot read key store " + file + ": " + e, e);
    }
  }

  /** The authority key of an encoded key store; {@code name} says which in an error. */
  PrivateKey decode(String name, byte[] bytes) throws CaException {
    char[] secret = passphrase.characters();
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(new ByteArrayInputStream(bytes), secret);
      if (!(store.getKey(ALIAS, secret) instanceof PrivateKey key)) {
        throw new CaException(
            CaError.KEYSTORE_UNREADABLE, "key store " + name + " holds no authority key");
      }
      return key;
    } catch (IOException | GeneralSecurityException e) {
      // The key store API reports a wrong passphrase as an IOException; say both causes.
      throw new CaException(
          CaError.KEYSTORE_UNREADABLE,
          "cannot open key store " + name + ": wrong passphrase or damaged file",
          e);
    } finally {
      Arrays.fill(secret, '\0');
    }
  }

  /**
   * Writes a key store another instance made (already checked by the caller) as this directory's
   * file for the ledger, replacing one there.
   */
  Path install(String ledgerId, byte[] encoded, SecureRandom random) throws CaException {
    return write(ledgerId, encoded, random, true);
  }

  /** Removes a key store written by a creation that then failed. */
  void delete(Path file) {
    deleteQuietly(file);
  }

  private byte[] encode(PrivateKey key, List<X509Certificate> chain, SecureRandom random)
      throws CaException {
    char[] secret = passphrase.characters();
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      byte[] salt = new byte[16];
      random.nextBytes(salt);
      KeyStore.ProtectionParameter protection =
          new KeyStore.PasswordProtection(
              secret, KEY_PROTECTION, new PBEParameterSpec(salt, PBKDF2_ITERATIONS));
      store.setEntry(
          ALIAS, new KeyStore.PrivateKeyEntry(key, chain.toArray(new Certificate[0])), protection);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      store.store(out, secret);
      return out.toByteArray();
    } catch (IOException | GeneralSecurityException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "cannot encode the key store: " + e, e);
    } finally {
      Arrays.fill(secret, '\0');
    }
  }

  /** Writes a new owner-only file and forces it to disk. */
  private static void writeForced(Path file, byte[] encoded) throws IOException {
    Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(encoded);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      channel.force(true);
    }
  }

  private void ensureDirectory() throws IOException {
    if (!Files.isDirectory(directory)) {
      Files.createDirectories(
          directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
    }
  }

  private static void moveIntoPlace(Path temporary, Path target) throws IOException {
    // Files.move with ATOMIC_MOVE replaces an existing target on POSIX; a hard link does not, so a
    // concurrent creation of the same ledger can never overwrite the other's key.
    try {
      Files.createLink(target, temporary);
    } catch (UnsupportedOperationException e) {
      try {
        Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException inner) {
        Files.move(temporary, target);
      }
    }
  }

  private void forceDirectory() {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // Some file systems cannot sync a directory; the file itself is already on disk.
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      // Nothing better to do: the file holds only encrypted material.
    }
  }
}
