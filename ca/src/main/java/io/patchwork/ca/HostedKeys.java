package io.patchwork.ca;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Private keys a service keeps on behalf of others — a member admin identity a member chose to
 * leave with the network manager — in encrypted PKCS#12 files under one directory, as the
 * authorities' own keys are kept: mode 0600 in a 0700 directory, written atomically, refused when
 * group or others can read them.
 */
public final class HostedKeys {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final KeyStoreDirectory directory;
  private final SecureRandom random = new SecureRandom();

  public HostedKeys(Path directory, Passphrase passphrase) {
    this.directory =
        new KeyStoreDirectory(
            Objects.requireNonNull(directory, "directory"),
            Objects.requireNonNull(passphrase, "passphrase"));
  }

  /**
   * Keeps {@code key} (with its certificate chain) under {@code name}, replacing what was there.
   */
  public void store(String name, PrivateKey key, List<X509Certificate> chain) throws CaException {
    directory.create(checked(name), key, chain, random);
  }

  /** The key kept under {@code name}. */
  public PrivateKey read(String name) throws CaException {
    Path file = directory.fileFor(checked(name));
    if (!Files.exists(file)) {
      throw new CaException(CaError.KEYSTORE_UNREADABLE, "no key is kept under " + name);
    }
    return directory.read(file);
  }

  /** Whether a key is kept under {@code name}. */
  public boolean contains(String name) throws CaException {
    return Files.exists(directory.fileFor(checked(name)));
  }

  private static String checked(String name) throws CaException {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new CaException(
          CaError.INVALID_ARGUMENT, "a key's name is 1 to 128 letters, digits, '.', '_' or '-'");
    }
    return name;
  }
}
