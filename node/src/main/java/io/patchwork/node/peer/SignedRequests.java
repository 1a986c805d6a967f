package io.patchwork.node.peer;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.identity.IdentityCheck;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Checks a signed request (commit status, events, deliver): the signer is a current member of the
 * ledger with a valid certificate, and the signature over the request verifies. Thread-safe.
 */
final class SignedRequests {
  private final Supplier<LedgerRules> rules;
  private final SignatureVerifier verifier;
  private final Clock clock;

  SignedRequests(Supplier<LedgerRules> rules, SignatureVerifier verifier, Clock clock) {
    this.rules = rules;
    this.verifier = verifier;
    this.clock = clock;
  }

  /** Why the request is refused, as a PERMISSION_DENIED status; empty if it passes. */
  Optional<StatusRuntimeException> refusal(
      ByteString identity, ByteString message, ByteString signature) {
    LedgerRules current = rules.get();
    IdentityCheck.Outcome outcome = current.identities().check(identity, clock.instant());
    if (outcome.identity().isEmpty()) {
      return Optional.of(
          Status.PERMISSION_DENIED
              .withDescription(
                  "identity refused: " + outcome.refusal().orElseThrow() + ": " + outcome.detail())
              .asRuntimeException());
    }
    if (!current.isMember(outcome.identity().get().mspId())) {
      return Optional.of(
          Status.PERMISSION_DENIED
              .withDescription(
                  "MSP " + outcome.identity().get().mspId() + " is not a member of the ledger")
              .asRuntimeException());
    }
    if (!verifier.verify(
        outcome.identity().get().certificate().getPublicKey(), message, signature)) {
      return Optional.of(
          Status.PERMISSION_DENIED
              .withDescription("request signature does not verify")
              .asRuntimeException());
    }
    return Optional.empty();
  }
}
