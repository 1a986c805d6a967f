package io.patchwork.node.host;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.MemberSignatures;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.order.EnvelopeCheck;
import io.patchwork.node.update.ConfigUpdateCheck;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Payload;
import org.hyperledger.fabric.protos.common.SignatureHeader;

/**
 * An orderer's admission check: the envelope's creator is a member of the ledger with a valid
 * certificate and signed the payload. Peers check again at validation; this keeps strangers' junk
 * out of the ordered log. Thread-safe.
 */
final class SignedEnvelopeCheck implements EnvelopeCheck {
  private final SignatureVerifier verifier;
  private final Clock clock;

  SignedEnvelopeCheck(SignatureVerifier verifier, Clock clock) {
    this.verifier = verifier;
    this.clock = clock;
  }

  @Override
  public Optional<String> refuse(Envelope envelope, LedgerRules current) {
    SignatureHeader header;
    try {
      header =
          SignatureHeader.parseFrom(
              Payload.parseFrom(envelope.getPayload()).getHeader().getSignatureHeader());
    } catch (InvalidProtocolBufferException e) {
      return Optional.of("the envelope's signature header cannot be decoded");
    }
    Instant now = clock.instant();
    MemberSignatures.Outcome creator =
        MemberSignatures.signed(
            current,
            header.getCreator(),
            envelope.getPayload(),
            envelope.getSignature(),
            now,
            verifier);
    if (!creator.passed()) {
      return Optional.of(
          switch (creator.failure().get()) {
            case IDENTITY_REFUSED ->
                "creator refused: " + creator.identity().refusal().orElseThrow();
            case NOT_A_MEMBER -> "creator's MSP is not a member of the ledger";
            case WRONG_ROLE, BAD_SIGNATURE -> "envelope signature does not verify";
          });
    }
    ByteString bytes = envelope.toByteString();
    if (LedgerConfigs.isConfig(bytes)) {
      // Orderers judge it again when they order it; refusing now tells the submitter why.
      ConfigUpdateCheck.Verdict verdict =
          ConfigUpdateCheck.check(bytes, current, Optional.of(now), verifier);
      if (!verdict.applies()) {
        return Optional.of("config update refused: " + verdict.refusal());
      }
    }
    return Optional.empty();
  }
}
