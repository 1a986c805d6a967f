package io.patchwork.governance;

import java.time.Instant;
import java.util.Optional;

/**
 * Who may sign ballots: the ledger's identity rules, seen from governance. A node answers from its
 * trust roots and CRLs in force; the library itself trusts nothing.
 *
 * <p>Must be deterministic (same answer for the same certificate and instant) and thread-safe.
 */
@FunctionalInterface
public interface VoterCheck {
  /**
   * The admin identity a certificate (DER) proves at {@code at}: it chains to the ledger's trust
   * roots, is not revoked, is valid at that instant and names the admin role. Empty otherwise.
   */
  Optional<Voter> admin(byte[] certificate, Instant at);

  /**
   * Whether {@code signature} is the voter's ECDSA-over-SHA-256 signature of {@code message}. The
   * default asks the JDK; a node answers from its own verifier and signature cache.
   */
  default boolean signed(Voter voter, byte[] message, byte[] signature) {
    return Ballot.verify(voter.publicKey(), message, signature);
  }
}
