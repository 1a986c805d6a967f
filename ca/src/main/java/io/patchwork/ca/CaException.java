package io.patchwork.ca;

import java.util.Objects;

/**
 * An operation of the certificate authority was refused or failed. The {@link #error() code} is
 * stable; the message is meant for an operator and never contains key material, tokens or
 * passphrases. When this is thrown, nothing was issued and nothing was stored.
 */
public final class CaException extends Exception {
  private static final long serialVersionUID = 1L;

  private final CaError error;

  public CaException(CaError error, String message) {
    super(message);
    this.error = Objects.requireNonNull(error, "error");
  }

  public CaException(CaError error, String message, Throwable cause) {
    super(message, cause);
    this.error = Objects.requireNonNull(error, "error");
  }

  /** The stable error code. */
  public CaError error() {
    return error;
  }

  @Override
  public String toString() {
    return "CaException[" + error + "]: " + getMessage();
  }
}
