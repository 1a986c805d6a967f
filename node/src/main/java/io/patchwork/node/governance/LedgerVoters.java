package io.patchwork.node.governance;

import com.google.protobuf.ByteString;
import io.patchwork.ca.Role;
import io.patchwork.governance.Voter;
import io.patchwork.governance.VoterCheck;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.MemberSignatures;
import io.patchwork.node.crypto.SignatureVerifier;
import java.time.Instant;
import java.util.Optional;

/**
 * Governance's view of a ledger's identities: an admin of a member is a Fabric SerializedIdentity
 * whose certificate passes the config's identity check (trust roots, CRLs, validity at the block
 * time) and names the admin role; signatures go through the node's verifier, so they must be low-S
 * as every Fabric signature.
 */
final class LedgerVoters implements VoterCheck {
  private final LedgerRules rules;
  private final SignatureVerifier verifier;

  LedgerVoters(LedgerRules rules, SignatureVerifier verifier) {
    this.rules = rules;
    this.verifier = verifier;
  }

  @Override
  public Optional<Voter> admin(byte[] serializedIdentity, Instant at) {
    MemberSignatures.Outcome admin =
        MemberSignatures.member(
            rules, Optional.of(Role.ADMIN), ByteString.copyFrom(serializedIdentity), at);
    return admin
        .signer()
        .filter(identity -> admin.passed())
        .map(identity -> new Voter(identity.mspId(), identity.certificate().getPublicKey()));
  }

  @Override
  public boolean signed(Voter voter, byte[] message, byte[] signature) {
    return verifier.verify(voter.publicKey(), message, signature);
  }
}
