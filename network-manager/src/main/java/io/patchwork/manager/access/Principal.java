package io.patchwork.manager.access;

import java.util.Objects;
import java.util.Optional;

/**
 * Who makes an API call: the operator, who manages ledgers, or a member organisation's admin, who
 * acts for its own organisation on one ledger and nothing else.
 *
 * @param tokenId the public id of the token the caller presented (never the token)
 * @param kind operator or member admin
 * @param ledgerId a member admin's ledger
 * @param mspId a member admin's organisation
 * @param certificateSerial the hex serial of the admin certificate the token is bound to
 */
public record Principal(
    String tokenId,
    Kind kind,
    Optional<String> ledgerId,
    Optional<String> mspId,
    Optional<String> certificateSerial) {

  public enum Kind {
    OPERATOR,
    MEMBER_ADMIN
  }

  public Principal {
    Objects.requireNonNull(tokenId, "tokenId");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(mspId, "mspId");
    Objects.requireNonNull(certificateSerial, "certificateSerial");
    if (kind == Kind.MEMBER_ADMIN && (ledgerId.isEmpty() || mspId.isEmpty())) {
      throw new IllegalArgumentException("a member admin acts for one organisation of one ledger");
    }
  }

  public static Principal operator(String tokenId) {
    return new Principal(
        tokenId, Kind.OPERATOR, Optional.empty(), Optional.empty(), Optional.empty());
  }

  public static Principal memberAdmin(
      String tokenId, String ledgerId, String mspId, String certificateSerial) {
    return new Principal(
        tokenId,
        Kind.MEMBER_ADMIN,
        Optional.of(ledgerId),
        Optional.of(mspId),
        Optional.of(certificateSerial));
  }

  public boolean isOperator() {
    return kind == Kind.OPERATOR;
  }

  /** Whether the caller may see this ledger: the operator sees all, a member its own. */
  public boolean maySee(String ledger) {
    return isOperator() || ledgerId.orElseThrow().equals(ledger);
  }

  /** Whether the caller may act for {@code organisation} on {@code ledger}. */
  public boolean actsFor(String ledger, String organisation) {
    return !isOperator()
        && ledgerId.orElseThrow().equals(ledger)
        && mspId.orElseThrow().equals(organisation);
  }

  /** For logs: the kind and, for a member, whom it acts for; never a secret. */
  public String describe() {
    return isOperator()
        ? "operator"
        : "admin of " + mspId.orElseThrow() + " on " + ledgerId.orElseThrow();
  }
}
