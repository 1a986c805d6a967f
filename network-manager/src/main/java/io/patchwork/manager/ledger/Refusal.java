package io.patchwork.manager.ledger;

/**
 * A request the manager refused before changing anything: a stable code for programs, the HTTP
 * status it maps to, and a message for people (never a secret).
 */
public final class Refusal extends Exception {
  private static final long serialVersionUID = 1L;
  private final String code;
  private final int status;

  public Refusal(String code, int status, String message) {
    super(message);
    this.code = code;
    this.status = status;
  }

  public String code() {
    return code;
  }

  public int status() {
    return status;
  }
}
