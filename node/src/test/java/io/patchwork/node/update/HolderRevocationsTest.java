package io.patchwork.node.update;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Pem;
import io.patchwork.ca.RevocationReason;
import io.patchwork.ca.Role;
import io.patchwork.node.config.proto.ConfigUpdate;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.HolderRevocation;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.governance.DecisionEffects;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A member revokes certificates of its own without a vote, and nothing else: not another member's,
 * not one the update does not show, not together with any other change.
 */
class HolderRevocationsTest {
  @TempDir Path directory;

  private EmbeddedDatabase database;
  private CertificateAuthorities authorities;
  private CertificateAuthority authority;
  private LedgerConfig current;

  @BeforeEach
  void open() throws Exception {
    database = EmbeddedDatabase.open(directory.resolve("db"));
    authorities =
        CertificateAuthorities.builder()
            .dataSource(database.dataSource())
            .keyDirectory(directory.resolve("keys"))
            .passphrase(Passphrase.of("holder revocation tests".toCharArray()))
            .build();
    authority = authorities.createRoot(AuthoritySpec.of("trade", "Operator"));
    current = config(authority, authority.crl());
  }

  @AfterEach
  void close() {
    database.close();
  }

  @Test
  void an_admin_of_the_holder_revokes_its_certificate_with_one_signature() throws Exception {
    IssuedCredential laptop = clientOf("BankAMSP");
    X509CRL crl = prospective(laptop);
    LedgerConfig next = DecisionEffects.withRevocations(current, der(crl));

    assertThat(refusal(next, Set.of("BankAMSP"), laptop)).isEmpty();
    for (Member member : next.getMembersList()) {
      assertThat(member.getCrlsList()).containsExactly(der(crl));
    }
    assertThat(next.getSequence()).isEqualTo(current.getSequence() + 1);
  }

  @Test
  void another_members_certificate_needs_a_vote() throws Exception {
    IssuedCredential theirs = clientOf("BankBMSP");
    LedgerConfig next = DecisionEffects.withRevocations(current, der(prospective(theirs)));

    assertThat(refusal(next, Set.of("BankAMSP"), theirs))
        .hasValueSatisfying(
            why ->
                assertThat(why)
                    .contains("is BankBMSP's")
                    .contains("without a vote a member revokes only its own"));
    assertThat(refusal(next, Set.of(), theirs))
        .hasValueSatisfying(why -> assertThat(why).contains("needs one of its admins"));
  }

  @Test
  void every_revoked_serial_must_be_shown_by_its_certificate() throws Exception {
    IssuedCredential mine = clientOf("BankAMSP");
    IssuedCredential theirs = clientOf("BankBMSP");
    X509CRL both =
        authority.prospectiveCrl(
            List.of(mine.certificate().serial(), theirs.certificate().serial()),
            RevocationReason.KEY_COMPROMISE);
    LedgerConfig next = DecisionEffects.withRevocations(current, der(both));

    // Hiding the other member's certificate does not help: its serial is not accounted for.
    assertThat(refusal(next, Set.of("BankAMSP"), mine))
        .hasValueSatisfying(
            why ->
                assertThat(why)
                    .contains(theirs.certificate().serialHex())
                    .contains("does not carry"));
  }

  @Test
  void nothing_else_may_change_with_it() throws Exception {
    IssuedCredential laptop = clientOf("BankAMSP");
    LedgerConfig next =
        DecisionEffects.withRevocations(current, der(prospective(laptop))).toBuilder()
            .setEndorsementPolicy(
                EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.AT_LEAST).setCount(1))
            .build();
    assertThat(refusal(next, Set.of("BankAMSP"), laptop))
        .hasValueSatisfying(why -> assertThat(why).contains("changes nothing but"));

    // Nor may the CRL come from an authority the ledger does not trust.
    CertificateAuthority other = authorities.createRoot(AuthoritySpec.of("other", "Operator"));
    IssuedCredential foreign =
        other.issueWithNewKey(CertificateRequest.signing("app", Role.CLIENT, "BankA", "BankAMSP"));
    X509CRL forged =
        other.prospectiveCrl(
            List.of(foreign.certificate().serial()), RevocationReason.KEY_COMPROMISE);
    LedgerConfig withForged =
        current.toBuilder()
            .setSequence(current.getSequence() + 1)
            .clearMembers()
            .addAllMembers(
                current.getMembersList().stream()
                    .map(m -> m.toBuilder().addCrls(der(forged)).build())
                    .toList())
            .build();
    assertThat(refusal(withForged, Set.of("BankAMSP"), foreign))
        .hasValueSatisfying(
            why -> assertThat(why).contains("not signed by an authority of this ledger"));
  }

  private Optional<String> refusal(
      LedgerConfig next, Set<String> admins, IssuedCredential... revoked) {
    HolderRevocation.Builder carried = HolderRevocation.newBuilder();
    for (IssuedCredential credential : revoked) {
      carried.addCertificates(
          ByteString.copyFrom(
              Pem.certificate(credential.certificate().certificate()), StandardCharsets.US_ASCII));
    }
    ConfigUpdate update =
        ConfigUpdate.newBuilder().setConfig(next).setHolderRevocation(carried).build();
    return HolderRevocations.refusal(current, next, update, admins);
  }

  private X509CRL prospective(IssuedCredential credential) throws Exception {
    return authority.prospectiveCrl(
        List.of(credential.certificate().serial()), RevocationReason.KEY_COMPROMISE);
  }

  private IssuedCredential clientOf(String mspId) throws Exception {
    return authority.issueWithNewKey(
        CertificateRequest.signing("laptop", Role.CLIENT, mspId.substring(0, 5), mspId));
  }

  private static LedgerConfig config(CertificateAuthority authority, X509CRL crl) throws Exception {
    LedgerConfig.Builder config =
        LedgerConfig.newBuilder().setFormatVersion(1).setLedgerId("trade").setSequence(3);
    for (String msp : List.of("BankAMSP", "BankBMSP", "BankCMSP")) {
      config.addMembers(
          Member.newBuilder()
              .setOrganization(msp.substring(0, 5))
              .setMspId(msp)
              .addRootCertificates(
                  ByteString.copyFrom(
                      Pem.certificate(authority.trustRoot()), StandardCharsets.US_ASCII))
              .addCrls(der(crl)));
    }
    return config.build();
  }

  private static ByteString der(X509CRL crl) {
    try {
      return ByteString.copyFrom(crl.getEncoded());
    } catch (java.security.cert.CRLException e) {
      throw new IllegalStateException(e);
    }
  }
}
