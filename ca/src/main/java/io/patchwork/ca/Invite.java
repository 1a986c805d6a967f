package io.patchwork.ca;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An invite as the authority records it. It never holds the token: only the token's SHA-256 hash is
 * stored.
 *
 * @param id the invite's public identifier
 * @param ledgerId the ledger whose authority issued it
 * @param scope what it allows
 * @param createdAt when it was made
 * @param expiresAt when it stops being redeemable
 * @param redeemedAt when it was redeemed, if it was
 * @param cancelledAt when it was cancelled, if it was
 */
public record Invite(
    String id,
    String ledgerId,
    InviteScope scope,
    Instant createdAt,
    Instant expiresAt,
    Optional<Instant> redeemedAt,
    Optional<Instant> cancelledAt) {

  public Invite {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(scope, "scope");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(expiresAt, "expiresAt");
    Objects.requireNonNull(redeemedAt, "redeemedAt");
    Objects.requireNonNull(cancelledAt, "cancelledAt");
  }

  /** Its status at the given instant. */
  public InviteStatus status(Instant now) {
    if (redeemedAt.isPresent()) {
      return InviteStatus.REDEEMED;
    }
    if (cancelledAt.isPresent()) {
      return InviteStatus.CANCELLED;
    }
    return now.isBefore(expiresAt) ? InviteStatus.OPEN : InviteStatus.EXPIRED;
  }
}
