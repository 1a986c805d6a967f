package io.patchwork.node.identity;

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
import io.patchwork.node.cluster.FabricOrganization;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hyperledger.fabric.protos.msp.SerializedIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityCheckTest {
  @TempDir Path directory;
  private EmbeddedDatabase database;
  private CertificateAuthorities authorities;
  private CertificateAuthority ca;
  private final Instant now = Instant.now().plusSeconds(1);

  @BeforeEach
  void createLedgerAuthority() throws Exception {
    database = EmbeddedDatabase.open(directory.resolve("db"));
    authorities =
        CertificateAuthorities.builder()
            .dataSource(database.dataSource())
            .keyDirectory(directory.resolve("keys"))
            .passphrase(Passphrase.of("identity check tests".toCharArray()))
            .build();
    ca = authorities.createRoot(AuthoritySpec.of("ledger", "Operator"));
  }

  @AfterEach
  void close() {
    database.close();
  }

  private IdentityCheck check() throws Exception {
    return new IdentityCheck(List.of(ca.certificate()), List.of(), List.of(ca.crl()));
  }

  private IssuedCredential member(Role role) throws Exception {
    return ca.issueWithNewKey(CertificateRequest.signing("alice", role, "Bank A", "BankAMSP"));
  }

  private static ByteString serialized(String mspId, IssuedCredential credential) {
    return SerializedIdentity.newBuilder()
        .setMspid(mspId)
        .setIdBytes(
            ByteString.copyFromUtf8(Pem.certificate(credential.certificate().certificate())))
        .build()
        .toByteString();
  }

  @Test
  void a_path_other_peers_validated_is_still_judged_by_each_checks_own_roots_crl_and_instant()
      throws Exception {
    IssuedCredential alice = member(Role.CLIENT);
    ByteString identity = serialized("BankAMSP", alice);
    assertThat(check().check(identity, now).refusal()).isEmpty();

    CertificateAuthority other = authorities.createRoot(AuthoritySpec.of("other", "Other"));
    IdentityCheck otherLedger =
        new IdentityCheck(List.of(other.certificate()), List.of(), List.of(other.crl()));
    assertThat(otherLedger.check(identity, now).refusal())
        .contains(IdentityCheck.Refusal.UNTRUSTED);

    ca.revoke(alice.certificate().serial(), RevocationReason.KEY_COMPROMISE);
    IdentityCheck afterRevocation =
        new IdentityCheck(List.of(ca.certificate()), List.of(), List.of(ca.crl()));
    assertThat(afterRevocation.check(identity, now).refusal())
        .contains(IdentityCheck.Refusal.REVOKED);

    Instant afterExpiry = alice.certificate().notAfter().plusSeconds(1);
    assertThat(check().check(identity, afterExpiry).refusal())
        .contains(IdentityCheck.Refusal.NOT_VALID_NOW);
  }

  @Test
  void a_retiring_roots_certificates_pass_until_its_deadline_and_the_new_roots_after_it()
      throws Exception {
    CertificateAuthority successor = authorities.createRoot(AuthoritySpec.of("next", "Members"));
    Instant deadline = now.plusSeconds(60);
    IdentityCheck replaced =
        new IdentityCheck(
            List.of(ca.certificate(), successor.certificate()),
            List.of(),
            List.of(ca.crl(), successor.crl()),
            Map.of(ca.certificate(), deadline));
    ByteString old = serialized("BankAMSP", member(Role.CLIENT));
    ByteString renewed =
        serialized(
            "BankAMSP",
            successor.issueWithNewKey(
                CertificateRequest.signing("alice", Role.CLIENT, "Bank A", "BankAMSP")));

    assertThat(replaced.check(old, deadline).refusal()).isEmpty();
    // Asked again after the deadline, the cached identity is refused too.
    assertThat(replaced.check(old, deadline.plusMillis(1)).refusal())
        .contains(IdentityCheck.Refusal.UNTRUSTED);
    assertThat(replaced.check(old, deadline.plusMillis(1)).detail()).contains("replaced");
    assertThat(replaced.check(renewed, deadline.plusSeconds(3600)).refusal()).isEmpty();
  }

  @Test
  void a_member_of_the_ledger_is_accepted_with_its_msp_id_and_role() throws Exception {
    IdentityCheck.Outcome outcome = check().check(serialized("BankAMSP", member(Role.ADMIN)), now);

    assertThat(outcome.refusal()).isEmpty();
    assertThat(outcome.identity())
        .hasValueSatisfying(
            identity -> {
              assertThat(identity.mspId()).isEqualTo("BankAMSP");
              assertThat(identity.role()).isEqualTo(Role.ADMIN);
            });
  }

  @Test
  void a_revoked_member_is_refused() throws Exception {
    IssuedCredential alice = member(Role.CLIENT);
    ca.revoke(alice.certificate().serial(), RevocationReason.PRIVILEGE_WITHDRAWN);

    assertThat(check().check(serialized("BankAMSP", alice), now).refusal())
        .contains(IdentityCheck.Refusal.REVOKED);
  }

  @Test
  void a_certificate_from_another_authority_is_untrusted() throws Exception {
    CertificateAuthority other = authorities.createRoot(AuthoritySpec.of("other", "Operator"));
    IssuedCredential stranger =
        other.issueWithNewKey(CertificateRequest.signing("eve", Role.CLIENT, "Bank A", "BankAMSP"));

    assertThat(check().check(serialized("BankAMSP", stranger), now).refusal())
        .contains(IdentityCheck.Refusal.UNTRUSTED);
  }

  @Test
  void claiming_another_msp_id_is_refused() throws Exception {
    assertThat(check().check(serialized("BankBMSP", member(Role.CLIENT)), now).refusal())
        .contains(IdentityCheck.Refusal.MSP_MISMATCH);
  }

  @Test
  void an_expired_certificate_is_refused_at_a_later_block_time() throws Exception {
    assertThat(
            check()
                .check(serialized("BankAMSP", member(Role.CLIENT)), now.plus(Duration.ofDays(400)))
                .refusal())
        .contains(IdentityCheck.Refusal.NOT_VALID_NOW);
  }

  @Test
  void an_identity_that_passed_once_is_still_refused_after_its_certificate_expires()
      throws Exception {
    IdentityCheck check = check();
    ByteString alice = serialized("BankAMSP", member(Role.CLIENT));
    assertThat(check.check(alice, now).identity()).isPresent();

    assertThat(check.check(alice, now.plus(Duration.ofDays(3650))).refusal())
        .contains(IdentityCheck.Refusal.NOT_VALID_NOW);
    assertThat(check.check(alice, now).identity()).isPresent();
  }

  @Test
  void bytes_that_are_not_an_identity_are_malformed() throws Exception {
    assertThat(check().check(ByteString.copyFromUtf8("garbage"), now).refusal())
        .contains(IdentityCheck.Refusal.MALFORMED);
    assertThat(
            check()
                .check(
                    SerializedIdentity.newBuilder()
                        .setMspid("BankAMSP")
                        .setIdBytes(ByteString.copyFromUtf8("not a pem"))
                        .build()
                        .toByteString(),
                    now)
                .refusal())
        .contains(IdentityCheck.Refusal.MALFORMED);
  }

  @Test
  void a_certificate_naming_no_msp_belongs_to_the_msp_whose_root_it_chains_to() throws Exception {
    FabricOrganization org1 = FabricOrganization.create("Org1MSP", "org1.example.com");
    FabricOrganization org2 = FabricOrganization.create("Org2MSP", "org2.example.com");
    IssuedCredential user = org1.user("User1", Role.CLIENT).signing();
    IdentityCheck fabricMembers =
        new IdentityCheck(
            List.of(org1.caCertificate(), org2.caCertificate()),
            List.of(),
            List.of(),
            Map.of(),
            Map.of(
                org1.caCertificate(), Set.of("Org1MSP"), org2.caCertificate(), Set.of("Org2MSP")));

    IdentityCheck.Outcome own = fabricMembers.check(serialized("Org1MSP", user), now);
    assertThat(own.refusal()).isEmpty();
    assertThat(own.identity().orElseThrow().mspId()).isEqualTo("Org1MSP");
    assertThat(own.identity().orElseThrow().role()).isEqualTo(Role.CLIENT);
    assertThat(fabricMembers.check(serialized("Org2MSP", user), now).refusal())
        .contains(IdentityCheck.Refusal.MSP_MISMATCH);
    IdentityCheck noOwners =
        new IdentityCheck(
            List.of(org1.caCertificate(), org2.caCertificate()), List.of(), List.of());
    assertThat(noOwners.check(serialized("Org1MSP", user), now).refusal())
        .contains(IdentityCheck.Refusal.MSP_MISMATCH);
  }

  @Test
  void a_certificate_naming_its_msp_must_name_the_one_it_claims_whatever_root_it_chains_to()
      throws Exception {
    IssuedCredential alice = member(Role.CLIENT);
    IdentityCheck shared =
        new IdentityCheck(
            List.of(ca.certificate()),
            List.of(),
            List.of(ca.crl()),
            Map.of(),
            Map.of(ca.certificate(), Set.of("BankAMSP", "BankBMSP")));
    assertThat(shared.check(serialized("BankAMSP", alice), now).refusal()).isEmpty();
    assertThat(shared.check(serialized("BankBMSP", alice), now).refusal())
        .contains(IdentityCheck.Refusal.MSP_MISMATCH);
  }
}
