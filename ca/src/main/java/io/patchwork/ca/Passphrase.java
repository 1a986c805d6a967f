package io.patchwork.ca;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * The passphrase that encrypts an authority's PKCS#12 key store. It comes from configuration or
 * from an environment variable, never from code, and it never prints: {@link #toString()} is
 * redacted.
 */
public final class Passphrase {
  /** The shortest passphrase accepted. */
  public static final int MINIMUM_LENGTH = 12;

  private final char[] characters;

  private Passphrase(char[] characters) {
    this.characters = characters;
  }

  /**
   * A passphrase from configuration. The array is copied; the caller may wipe its own.
   *
   * @throws CaException {@link CaError#PASSPHRASE_INVALID} if shorter than {@value #MINIMUM_LENGTH}
   */
  public static Passphrase of(char[] characters) throws CaException {
    Objects.requireNonNull(characters, "characters");
    if (characters.length < MINIMUM_LENGTH) {
      throw new CaException(
          CaError.PASSPHRASE_INVALID,
          "the key store passphrase must have at least " + MINIMUM_LENGTH + " characters");
    }
    return new Passphrase(characters.clone());
  }

  /**
   * The passphrase held by an environment variable.
   *
   * @throws CaException {@link CaError#PASSPHRASE_INVALID} if the variable is unset, empty or too
   *     short; the message names the variable, never its value
   */
  public static Passphrase fromEnvironment(String variable) throws CaException {
    return fromEnvironment(variable, System.getenv());
  }

  static Passphrase fromEnvironment(String variable, Map<String, String> environment)
      throws CaException {
    Objects.requireNonNull(variable, "variable");
    String value = environment.get(variable);
    if (value == null || value.isEmpty()) {
      throw new CaException(
          CaError.PASSPHRASE_INVALID,
          "environment variable " + variable + " must hold the key store passphrase");
    }
    if (value.length() < MINIMUM_LENGTH) {
      throw new CaException(
          CaError.PASSPHRASE_INVALID,
          "environment variable "
              + variable
              + " holds a passphrase shorter than "
              + MINIMUM_LENGTH
              + " characters");
    }
    return new Passphrase(value.toCharArray());
  }

  /** A copy of the characters, for the key store API; wipe it after use. */
  char[] characters() {
    return characters.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Passphrase that && Arrays.equals(characters, that.characters);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(characters);
  }

  @Override
  public String toString() {
    return "Passphrase[redacted]";
  }
}
