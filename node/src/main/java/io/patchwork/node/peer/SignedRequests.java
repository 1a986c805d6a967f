package io.patchwork.node.peer;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.MemberSignatures;
import io.patchwork.node.crypto.SignatureVerifier;
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
    MemberSignatures.Outcome outcome =
        MemberSignatures.signed(
            rules.get(), identity, message, signature, clock.instant(), verifier);
    return outcome
        .failure()
        .map(
            failure ->
                Status.PERMISSION_DENIED
                    .withDescription(
                        switch (failure) {
                          case IDENTITY_REFUSED -> "identity refused: " + outcome.identityRefusal();
                          case NOT_A_MEMBER ->
                              "MSP "
                                  + outcome.signer().orElseThrow().mspId()
                                  + " is not a member of the ledger";
                          case WRONG_ROLE, BAD_SIGNATURE -> "request signature does not verify";
                        })
                    .asRuntimeException());
  }
}
