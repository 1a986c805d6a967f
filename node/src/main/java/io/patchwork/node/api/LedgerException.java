package io.patchwork.node.api;

import java.util.Objects;

/** A ledger's refusal or failure, with a stable code and a message saying what happened. */
public final class LedgerException extends Exception {
  private static final long serialVersionUID = 1L;
  private final LedgerError error;

  public LedgerException(LedgerError error, String message) {
    super(message);
    this.error = Objects.requireNonNull(error, "error");
  }

  public LedgerException(LedgerError error, String message, Throwable cause) {
    super(message, cause);
    this.error = Objects.requireNonNull(error, "error");
  }

  public LedgerError error() {
    return error;
  }
}
