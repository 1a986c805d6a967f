package io.patchwork.governance;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Member admins for tests: each has an EC key and a stand-in certificate (its name's bytes) that
 * the test's {@link VoterCheck} resolves — the library takes identity checks as given.
 */
final class Admins implements VoterCheck {
  private final Map<String, KeyPair> keys = new HashMap<>();
  private final Map<String, String> orgOf = new HashMap<>();

  /** Adds an admin of {@code mspId} named {@code name}. */
  Admins add(String name, String mspId) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      keys.put(name, generator.generateKeyPair());
      orgOf.put(name, mspId);
      return this;
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  /** A new P-256 private key, for signatures no identity stands behind. */
  static PrivateKey freshKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair().getPrivate();
    } catch (GeneralSecurityException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] certificate(String name) {
    return ("admin certificate of " + name).getBytes(StandardCharsets.UTF_8);
  }

  /** A ballot signed by the admin {@code name} for {@code mspId}. */
  Ballot ballot(Proposal proposal, String name, String mspId, Choice choice, Instant at) {
    return Ballot.sign(
        proposal.ledgerId(),
        proposal.proposalId(),
        mspId,
        choice,
        at,
        certificate(name),
        keys.get(name).getPrivate());
  }

  /** A ballot by the admin for its own organisation. */
  Ballot ballot(Proposal proposal, String name, Choice choice, Instant at) {
    return ballot(proposal, name, orgOf.get(name), choice, at);
  }

  @Override
  public Optional<Voter> admin(byte[] certificate, Instant at) {
    for (Map.Entry<String, KeyPair> admin : keys.entrySet()) {
      if (Arrays.equals(certificate, certificate(admin.getKey()))) {
        return Optional.of(new Voter(orgOf.get(admin.getKey()), admin.getValue().getPublic()));
      }
    }
    return Optional.empty();
  }
}
