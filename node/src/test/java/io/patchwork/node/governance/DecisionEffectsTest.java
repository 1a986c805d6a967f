package io.patchwork.node.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.Crls;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Pem;
import io.patchwork.ca.RevocationReason;
import io.patchwork.ca.Role;
import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Lifecycle;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.PinnedContract;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The effects a decision may have and the ones it may not: a removal's CRL must come from the
 * ledger's authority and may not take a revocation back or be older than the CRL in force; a
 * contract is upgraded only inside the upgrade window.
 */
class DecisionEffectsTest {
  @TempDir Path directory;

  private EmbeddedDatabase database;
  private CertificateAuthorities authorities;
  private CertificateAuthority authority;

  @BeforeEach
  void open() throws Exception {
    database = EmbeddedDatabase.open(directory.resolve("db"));
    authorities =
        CertificateAuthorities.builder()
            .dataSource(database.dataSource())
            .keyDirectory(directory.resolve("keys"))
            .passphrase(Passphrase.of("decision effects tests".toCharArray()))
            .build();
    authority = authorities.createRoot(AuthoritySpec.of("trade", "Operator"));
  }

  @AfterEach
  void close() {
    database.close();
  }

  @Test
  void a_removal_puts_its_crl_in_force_only_if_the_ledgers_authority_signed_it_and_it_is_newer()
      throws Exception {
    LedgerConfig config = config(authority.crl());
    IssuedCredential bankC = clientOf("BankCMSP");
    X509CRL removal =
        authority.prospectiveCrl(
            List.of(bankC.certificate().serial()), RevocationReason.CESSATION_OF_OPERATION);
    assertThat(Crls.revokedSerials(removal)).containsExactly(bankC.certificate().serial());
    // Nothing is revoked at the authority until the decision.
    assertThat(Crls.revokedSerials(authority.crl())).isEmpty();

    LedgerConfig next = DecisionEffects.apply(config, remove("BankCMSP", removal), "p1", now());
    assertThat(next.getMembersList())
        .extracting(Member::getMspId)
        .containsExactly("BankAMSP", "BankBMSP");
    for (Member member : next.getMembersList()) {
      assertThat(member.getCrlsList()).containsExactly(der(removal));
    }

    // Another authority's CRL, even of the same name, is refused.
    CertificateAuthority other = authorities.createRoot(AuthoritySpec.of("other", "Operator"));
    assertThatThrownBy(
            () -> DecisionEffects.apply(config, remove("BankCMSP", other.crl()), "p2", now()))
        .isInstanceOf(DecisionEffects.Inapplicable.class)
        .hasMessageContaining("not signed by an authority of this ledger");

    // A CRL older than the one in force, or one that drops a revocation, is refused.
    IssuedCredential bankB = clientOf("BankBMSP");
    authority.revoke(bankB.certificate().serial(), RevocationReason.KEY_COMPROMISE);
    X509CRL revokesB = authority.crl();
    LedgerConfig withB = config(revokesB);
    assertThatThrownBy(() -> DecisionEffects.apply(withB, remove("BankCMSP", removal), "p3", now()))
        .isInstanceOf(DecisionEffects.Inapplicable.class)
        .hasMessageContaining("not newer than the one in force");
    X509CRL fresh =
        authority.prospectiveCrl(
            List.of(bankC.certificate().serial()), RevocationReason.CESSATION_OF_OPERATION);
    assertThat(Crls.number(fresh).orElseThrow()).isGreaterThan(Crls.number(revokesB).orElseThrow());
    assertThat(Crls.revokedSerials(fresh))
        .containsExactlyInAnyOrder(bankB.certificate().serial(), bankC.certificate().serial());
    assertThat(
            DecisionEffects.apply(withB, remove("BankCMSP", fresh), "p4", now()).getMembersCount())
        .isEqualTo(2);
    // A CRL that leaves out a revocation in force is refused, whatever its number.
    LedgerConfig withFresh = config(fresh);
    authority.revoke(clientOf("BankAMSP").certificate().serial(), RevocationReason.KEY_COMPROMISE);
    X509CRL later = authority.crl();
    assertThat(Crls.number(later).orElseThrow()).isGreaterThan(Crls.number(fresh).orElseThrow());
    assertThat(Crls.revokedSerials(later)).doesNotContain(bankC.certificate().serial());
    assertThatThrownBy(
            () -> DecisionEffects.apply(withFresh, remove("BankCMSP", later), "p5", now()))
        .isInstanceOf(DecisionEffects.Inapplicable.class)
        .hasMessageContaining("would take back 1 revocation");
  }

  @Test
  void a_contract_is_upgraded_only_inside_the_upgrade_window() throws Exception {
    Instant until = Instant.parse("2026-12-10T00:00:00Z");
    LedgerConfig config =
        config(authority.crl()).toBuilder()
            .addContracts(
                PinnedContract.newBuilder()
                    .setName("obligations")
                    .setCodeHash(ByteString.copyFrom(new byte[32])))
            .setLifecycle(Lifecycle.newBuilder().setUpgradesUntilMillis(until.toEpochMilli()))
            .build();
    GovernanceProposal upgrade =
        GovernanceProposal.newBuilder()
            .setUpgradeContract(
                GovernanceProposal.UpgradeContract.newBuilder()
                    .setContract("obligations")
                    .setVersion("2")
                    .setCodeHash(
                        ByteString.copyFrom(new byte[31])
                            .concat(ByteString.copyFrom(new byte[] {1}))))
            .build();

    LedgerConfig upgraded = DecisionEffects.apply(config, upgrade, "u1", until);
    assertThat(upgraded.getContracts(0).getCodeHash().byteAt(31)).isEqualTo((byte) 1);
    assertThatThrownBy(() -> DecisionEffects.apply(config, upgrade, "u2", until.plusMillis(1)))
        .isInstanceOf(DecisionEffects.Inapplicable.class)
        .hasMessageStartingWith("UPGRADE_WINDOW_CLOSED");
    // Without a window, upgrades are always open.
    assertThat(
            DecisionEffects.apply(
                config.toBuilder().clearLifecycle().build(),
                upgrade,
                "u3",
                until.plusSeconds(86_400)))
        .isNotNull();
  }

  @Test
  void a_commit_status_policy_changes_only_to_one_nodes_know() throws Exception {
    LedgerConfig config = config(authority.crl());
    GovernanceProposal.Builder change = GovernanceProposal.newBuilder();
    LedgerConfig waiting =
        DecisionEffects.apply(
            config,
            change
                .setChangePolicy(
                    GovernanceProposal.ChangePolicy.newBuilder()
                        .setCommitStatus(
                            CommitStatusPolicy.newBuilder()
                                .setScope(CommitStatusPolicy.Scope.ENDORSING_ORGANIZATIONS)
                                .setTimeoutMillis(2_000)))
                .build(),
            "c1",
            now());
    assertThat(waiting.getCommitStatus().getScope())
        .isEqualTo(CommitStatusPolicy.Scope.ENDORSING_ORGANIZATIONS);
    // A minute and a millisecond is longer than any commit status waits.
    GovernanceProposal tooLong =
        change
            .setChangePolicy(
                GovernanceProposal.ChangePolicy.newBuilder()
                    .setCommitStatus(
                        CommitStatusPolicy.newBuilder()
                            .setScope(CommitStatusPolicy.Scope.ALL_MEMBERS)
                            .setTimeoutMillis(60_001)))
            .build();
    assertThatThrownBy(() -> DecisionEffects.apply(config, tooLong, "c2", now()))
        .isInstanceOf(DecisionEffects.Inapplicable.class)
        .hasMessageContaining("at most 60000 ms");
    GovernanceProposal unknown =
        change
            .setChangePolicy(
                GovernanceProposal.ChangePolicy.newBuilder()
                    .setCommitStatus(CommitStatusPolicy.newBuilder().setScopeValue(7)))
            .build();
    assertThatThrownBy(() -> DecisionEffects.apply(config, unknown, "c3", now()))
        .isInstanceOf(DecisionEffects.Inapplicable.class)
        .hasMessageContaining("known scope");
  }

  private LedgerConfig config(X509CRL crl) throws Exception {
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

  private IssuedCredential clientOf(String mspId) throws Exception {
    return authority.issueWithNewKey(
        CertificateRequest.signing("app", Role.CLIENT, mspId.substring(0, 5), mspId));
  }

  private static GovernanceProposal remove(String mspId, X509CRL crl) throws Exception {
    return GovernanceProposal.newBuilder()
        .setRemoveMember(
            GovernanceProposal.RemoveMember.newBuilder().setMspId(mspId).setCrl(der(crl)))
        .build();
  }

  private static ByteString der(X509CRL crl) throws Exception {
    return ByteString.copyFrom(crl.getEncoded());
  }

  private static Instant now() {
    return Instant.now();
  }
}
