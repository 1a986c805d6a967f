package io.patchwork.node.governance;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.Csr;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Role;
import io.patchwork.governance.Ballot;
import io.patchwork.governance.Choice;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.NodeSigner;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bouncycastle.jce.ECNamedCurveTable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The test vector docs/governance.md gives for signing proposals and ballots in any language: the
 * code must make exactly its bytes, its proposal id and — ECDSA being deterministic here (RFC 6979)
 * — its signatures, and the signatures must verify with the key's public half.
 */
class GovernanceWireFormatTest {
  private static final HexFormat HEX = HexFormat.of();

  @TempDir Path directory;

  @Test
  void the_documented_test_vector_is_what_the_code_signs_and_verifies() throws Exception {
    Map<String, String> vector = vector(Path.of("../docs/governance.md"));
    KeyPair key = key(new BigInteger(vector.get("key.private_scalar"), 16));
    assertThat(HEX.formatHex(key.getPublic().getEncoded()))
        .as("key.public_spki")
        .isEqualTo(vector.get("key.public_spki"));

    GovernanceProposal proposal =
        GovernanceProposal.newBuilder()
            .setLedgerId(vector.get("proposal.ledger_id"))
            .setConfigSequence(Long.parseLong(vector.get("proposal.config_sequence")))
            .setProposerMspId(vector.get("proposal.proposer_msp_id"))
            .setCreatedAtMillis(Long.parseLong(vector.get("proposal.created_at_millis")))
            .setAddMember(
                GovernanceProposal.AddMember.newBuilder()
                    .setOrganization(vector.get("proposal.add_member.organization"))
                    .setMspId(vector.get("proposal.add_member.msp_id")))
            .build();
    byte[] bytes = proposal.toByteArray();
    assertThat(HEX.formatHex(bytes)).as("proposal.bytes").isEqualTo(vector.get("proposal.bytes"));
    String id = GovernanceEncoding.proposalId(proposal.toByteString());
    assertThat(id).as("proposal.id").isEqualTo(vector.get("proposal.id"));

    NodeSigner admin = signer(key, vector.get("proposal.proposer_msp_id"));
    SignedGovernanceProposal signed = GovernanceDecisions.propose(proposal, admin);
    assertThat(HEX.formatHex(signed.getSignature().toByteArray()))
        .as("proposal.signature")
        .isEqualTo(vector.get("proposal.signature"));
    assertThat(verifies(key.getPublic(), bytes, HEX.parseHex(vector.get("proposal.signature"))))
        .isTrue();

    Instant castAt = Instant.ofEpochMilli(Long.parseLong(vector.get("ballot.cast_at_millis")));
    Choice choice = Choice.of(Integer.parseInt(vector.get("ballot.choice"))).orElseThrow();
    byte[] ballotBytes =
        Ballot.signedBytes(
            proposal.getLedgerId(), id, vector.get("proposal.proposer_msp_id"), choice, castAt);
    assertThat(HEX.formatHex(ballotBytes))
        .as("ballot.signed_bytes")
        .isEqualTo(vector.get("ballot.signed_bytes"));
    GovernanceBallot ballot = GovernanceDecisions.vote(signed, admin, choice, castAt);
    assertThat(HEX.formatHex(ballot.getSignature().toByteArray()))
        .as("ballot.signature")
        .isEqualTo(vector.get("ballot.signature"));
    assertThat(verifies(key.getPublic(), ballotBytes, HEX.parseHex(vector.get("ballot.signature"))))
        .isTrue();
    // A flipped choice does not verify under the same signature.
    byte[] flipped =
        Ballot.signedBytes(
            proposal.getLedgerId(),
            id,
            vector.get("proposal.proposer_msp_id"),
            choice == Choice.YES ? Choice.NO : Choice.YES,
            castAt);
    assertThat(verifies(key.getPublic(), flipped, ballot.getSignature().toByteArray())).isFalse();
  }

  /** The `name = value` lines of the first ```text block under "### Test vector". */
  private static Map<String, String> vector(Path document) throws Exception {
    String text = Files.readString(document);
    int heading = text.indexOf("### Test vector");
    assertThat(heading).as("docs/governance.md has a ### Test vector section").isPositive();
    int start = text.indexOf("```text", heading) + "```text".length();
    int end = text.indexOf("```", start);
    Map<String, String> values = new LinkedHashMap<>();
    String last = null;
    for (String line : text.substring(start, end).split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      int equals = line.indexOf(" = ");
      if (equals > 0 && !line.startsWith(" ")) {
        last = line.substring(0, equals).strip();
        values.put(last, line.substring(equals + 3).strip());
      } else if (last != null) {
        // A long hex value goes on over indented lines.
        values.put(last, values.get(last) + line.strip());
      }
    }
    return values;
  }

  private static KeyPair key(BigInteger scalar) throws Exception {
    AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
    parameters.init(new ECGenParameterSpec("secp256r1"));
    ECParameterSpec curve = parameters.getParameterSpec(ECParameterSpec.class);
    org.bouncycastle.math.ec.ECPoint q =
        ECNamedCurveTable.getParameterSpec("secp256r1").getG().multiply(scalar).normalize();
    KeyFactory factory = KeyFactory.getInstance("EC");
    PrivateKey privateKey = factory.generatePrivate(new ECPrivateKeySpec(scalar, curve));
    PublicKey publicKey =
        factory.generatePublic(
            new ECPublicKeySpec(
                new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger()),
                curve));
    return new KeyPair(publicKey, privateKey);
  }

  /** A signer for the key, certified by a throwaway authority (signatures use only the key). */
  private NodeSigner signer(KeyPair key, String mspId) throws Exception {
    try (EmbeddedDatabase database = EmbeddedDatabase.open(directory.resolve("db"))) {
      CertificateAuthority authority =
          CertificateAuthorities.builder()
              .dataSource(database.dataSource())
              .keyDirectory(directory.resolve("keys"))
              .passphrase(Passphrase.of("wire format tests".toCharArray()))
              .build()
              .createRoot(AuthoritySpec.of("trade", "Operator"));
      CertificateRequest request = CertificateRequest.signing("admin", Role.ADMIN, "Bank A", mspId);
      return NodeSigner.of(
          mspId,
          authority.issue(Csr.create(key, request), request).certificate(),
          key.getPrivate());
    }
  }

  private static boolean verifies(PublicKey key, byte[] message, byte[] signature)
      throws Exception {
    Signature verifier = Signature.getInstance("SHA256withECDSA");
    verifier.initVerify(key);
    verifier.update(message);
    return verifier.verify(signature);
  }
}
