package io.patchwork.ca;

/** Why a certificate was revoked, with its RFC 5280 CRLReason code. */
public enum RevocationReason {
  UNSPECIFIED(0),
  KEY_COMPROMISE(1),
  CA_COMPROMISE(2),
  AFFILIATION_CHANGED(3),
  SUPERSEDED(4),
  CESSATION_OF_OPERATION(5),
  PRIVILEGE_WITHDRAWN(9);

  private final int code;

  RevocationReason(int code) {
    this.code = code;
  }

  /** The RFC 5280 {@code CRLReason} value written into CRL entries. */
  public int code() {
    return code;
  }
}
