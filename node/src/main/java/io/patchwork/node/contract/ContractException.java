package io.patchwork.node.contract;

import java.util.Objects;

/**
 * A business refusal: the transaction is not endorsed and the client sees {@code CODE: message}.
 * Codes are stable, upper-case identifiers such as {@code INSUFFICIENT_FUNDS}.
 */
public final class ContractException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String code;

  public ContractException(String code, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.code = Objects.requireNonNull(code, "code");
  }

  public String code() {
    return code;
  }
}
