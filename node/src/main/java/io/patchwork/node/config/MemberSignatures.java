package io.patchwork.node.config;

import com.google.protobuf.ByteString;
import io.patchwork.ca.Role;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.identity.IdentityCheck;
import java.time.Instant;
import java.util.Optional;

/**
 * The one check that a member of the ledger signed something, in the config in force: the signer's
 * certificate chains to the ledger's trust roots and is not revoked at {@code at}, its MSP is a
 * member, it has the role asked for (if any), and its signature verifies. Every check of a creator,
 * an endorser, an admin, a voter or a statement signer goes through here; each caller turns the
 * {@link Failure} into its own code. Thread-safe.
 */
public final class MemberSignatures {
  private MemberSignatures() {}

  /** The first check a signer failed. */
  public enum Failure {
    /** Its certificate is unknown, untrusted, revoked or not valid at the instant. */
    IDENTITY_REFUSED,
    /** Its MSP is not a member of the ledger. */
    NOT_A_MEMBER,
    /** It has another role than the one asked for. */
    WRONG_ROLE,
    /** Its signature does not verify. */
    BAD_SIGNATURE
  }

  /** What the check found: the identity check's outcome, and the first failure if any. */
  public record Outcome(IdentityCheck.Outcome identity, Optional<Failure> failure) {
    public boolean passed() {
      return failure.isEmpty();
    }

    /** The signer's identity; present unless the identity itself was refused. */
    public Optional<IdentityCheck.Identity> signer() {
      return identity.identity();
    }

    /** Why the identity was refused, with the detail, for messages. */
    public String identityRefusal() {
      return identity.refusal().map(String::valueOf).orElse("") + ": " + identity.detail();
    }
  }

  /** Whether a member signed {@code message}, whatever its role. */
  public static Outcome signed(
      LedgerRules rules,
      ByteString serializedIdentity,
      ByteString message,
      ByteString signature,
      Instant at,
      SignatureVerifier verifier) {
    return signed(rules, Optional.empty(), serializedIdentity, message, signature, at, verifier);
  }

  /** Whether a member's identity of {@code role} signed {@code message}. */
  public static Outcome signed(
      LedgerRules rules,
      Role role,
      ByteString serializedIdentity,
      ByteString message,
      ByteString signature,
      Instant at,
      SignatureVerifier verifier) {
    return signed(rules, Optional.of(role), serializedIdentity, message, signature, at, verifier);
  }

  /** Whether the identity is a member's (of {@code role}, if given), without a signature. */
  public static Outcome member(
      LedgerRules rules, Optional<Role> role, ByteString serializedIdentity, Instant at) {
    IdentityCheck.Outcome checked = rules.identities().check(serializedIdentity, at);
    if (checked.identity().isEmpty()) {
      return new Outcome(checked, Optional.of(Failure.IDENTITY_REFUSED));
    }
    IdentityCheck.Identity identity = checked.identity().get();
    if (!rules.isMember(identity.mspId())) {
      return new Outcome(checked, Optional.of(Failure.NOT_A_MEMBER));
    }
    if (role.isPresent() && identity.role() != role.get()) {
      return new Outcome(checked, Optional.of(Failure.WRONG_ROLE));
    }
    return new Outcome(checked, Optional.empty());
  }

  private static Outcome signed(
      LedgerRules rules,
      Optional<Role> role,
      ByteString serializedIdentity,
      ByteString message,
      ByteString signature,
      Instant at,
      SignatureVerifier verifier) {
    Outcome member = member(rules, role, serializedIdentity, at);
    if (!member.passed()) {
      return member;
    }
    if (!verifier.verify(member.signer().get().certificate().getPublicKey(), message, signature)) {
      return new Outcome(member.identity(), Optional.of(Failure.BAD_SIGNATURE));
    }
    return member;
  }
}
