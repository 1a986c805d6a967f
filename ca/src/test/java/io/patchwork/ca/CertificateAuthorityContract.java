package io.patchwork.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.cert.CRLReason;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;
import org.hyperledger.fabric.client.identity.Identities;
import org.hyperledger.fabric.client.identity.Signer;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;
import org.junit.jupiter.api.Test;

/**
 * What every state store must do for the certificate authority. Each store runs this whole body
 * through a subclass that supplies the fixture.
 */
abstract class CertificateAuthorityContract {
  static final String LEDGER = "trade-2026";
  static final String ORG = "Bank A";
  static final String MSP = "BankAMSP";

  /** A fixture on a fresh, empty store. */
  abstract CaFixture fixture();

  // ---------------------------------------------------------------- the authority

  @Test
  void a_root_authority_is_a_self_signed_ca_valid_for_fifteen_years() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);

    X509Certificate root = ca.certificate();
    root.verify(root.getPublicKey());
    assertThat(root.getBasicConstraints()).isEqualTo(Integer.MAX_VALUE);
    assertThat(root.getKeyUsage()[5]).as("keyCertSign").isTrue();
    assertThat(root.getKeyUsage()[6]).as("cRLSign").isTrue();
    assertThat(root.getCriticalExtensionOIDs()).contains(Extension.basicConstraints.getId());
    assertThat(root.getExtensionValue(Extension.subjectKeyIdentifier.getId())).isNotNull();
    assertThat(root.getPublicKey().getAlgorithm()).isEqualTo("EC");
    assertThat(Duration.between(root.getNotBefore().toInstant(), root.getNotAfter().toInstant()))
        .isGreaterThanOrEqualTo(Duration.ofDays(15 * 365));
    assertThat(ca.chain()).containsExactly(root);
    assertThat(ca.trustRoot()).isEqualTo(root);
  }

  @Test
  void a_deleted_authority_leaves_no_rows_or_key_store_and_the_ledger_id_is_free_again()
      throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);
    ca.issueWithNewKey(CertificateRequest.signing("peer0", Role.PEER, ORG, MSP));
    ca.invite(new InviteScope(ORG, MSP, Set.of(Role.ADMIN), 0, Duration.ofDays(1)));

    assertThat(fixture.authorities().delete(LEDGER)).isTrue();

    assertThat(fixture.authorities().ledgerIds()).doesNotContain(LEDGER);
    assertRefused(() -> fixture.authorities().open(LEDGER), CaError.AUTHORITY_NOT_FOUND);
    try (Stream<Path> files = Files.list(fixture.keyDirectory)) {
      assertThat(files.map(f -> f.getFileName().toString())).noneMatch(f -> f.startsWith(LEDGER));
    }
    assertThat(fixture.authorities().delete(LEDGER)).isFalse();
    assertThat(fixture.root(LEDGER).inventory()).isEmpty();
  }

  @Test
  void a_second_authority_for_the_same_ledger_is_refused() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority first = fixture.root(LEDGER);

    assertRefused(() -> fixture.root(LEDGER), CaError.AUTHORITY_EXISTS);
    assertThat(fixture.authorities().open(LEDGER).certificate()).isEqualTo(first.certificate());
  }

  @Test
  void opening_a_ledger_without_an_authority_is_refused() throws Exception {
    assertRefused(() -> fixture().authorities().open("nobody"), CaError.AUTHORITY_NOT_FOUND);
  }

  @Test
  void a_malformed_ledger_id_is_refused_before_anything_is_written() throws Exception {
    CaFixture fixture = fixture();
    assertRefused(
        () -> fixture.authorities().createRoot(AuthoritySpec.of("../etc", "Operator")),
        CaError.INVALID_ARGUMENT);
    assertThat(fixture.authorities().ledgerIds()).isEmpty();
    assertThat(fixture.keyDirectory).doesNotExist();
  }

  // ---------------------------------------------------------------- issuing

  @Test
  void a_signing_certificate_carries_role_organisation_and_msp_id_in_its_subject()
      throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    KeyPair member = Csrs.p256();

    IssuedCertificate issued =
        ca.issue(
            Csrs.der("CN=alice", member),
            CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));

    X509Certificate certificate = issued.certificate();
    certificate.verify(ca.certificate().getPublicKey());
    assertThat(certificate.getSubjectX500Principal().getName())
        .isEqualTo("CN=alice,OU=client,O=Bank A,2.5.4.97=#0c0842616e6b414d5350");
    assertThat(certificate.getPublicKey()).isEqualTo(member.getPublic());
    assertThat(certificate.getBasicConstraints()).isEqualTo(-1);
    assertThat(certificate.getKeyUsage()[0]).as("digitalSignature").isTrue();
    assertThat(certificate.getExtendedKeyUsage()).isNull();
    assertThat(certificate.getExtensionValue(Extension.authorityKeyIdentifier.getId())).isNotNull();
    assertThat(issued.serial().bitLength()).isGreaterThanOrEqualTo(64);
    assertThat(ca.inventory())
        .extracting(IssuedCertificate::serial)
        .containsExactly(issued.serial());
  }

  @Test
  void a_peer_tls_certificate_names_its_hosts_and_serves_both_ends_of_mutual_tls()
      throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);

    IssuedCredential credential =
        ca.issueWithNewKey(
            CertificateRequest.tls(
                "peer0",
                Role.PEER,
                ORG,
                MSP,
                List.of("peer0.bank-a.example", "localhost"),
                List.of(InetAddress.getByName("127.0.0.1"))));

    X509Certificate certificate = credential.certificate().certificate();
    assertThat(certificate.getExtendedKeyUsage())
        .containsExactly("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
    assertThat(certificate.getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(
            List.of(2, "peer0.bank-a.example"), List.of(2, "localhost"), List.of(7, "127.0.0.1"));
    assertThat(credential.toString()).doesNotContain(credential.privateKey().toString());
  }

  @Test
  void a_peer_tls_certificate_without_a_host_is_refused() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);

    CaException refused =
        assertRefused(
            () ->
                ca.issueWithNewKey(
                    CertificateRequest.tls("peer0", Role.PEER, ORG, MSP, List.of(), List.of())),
            CaError.INVALID_ARGUMENT);

    assertThat(refused).hasMessageContaining("at least one DNS name or IP address");
    assertThat(ca.inventory()).isEmpty();
  }

  @Test
  void keys_generated_here_are_issued_all_together_or_not_at_all() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    List<CertificateRequest> requests =
        List.of(
            CertificateRequest.signing("peer0", Role.PEER, ORG, MSP),
            CertificateRequest.signing("peer1", Role.PEER, ORG, "not a valid msp id"));

    assertRefused(() -> ca.issueWithNewKeys(requests), CaError.INVALID_ARGUMENT);
    assertRefused(() -> ca.issueWithNewKeys(List.of()), CaError.INVALID_ARGUMENT);
    assertThat(ca.inventory()).isEmpty();

    List<IssuedCredential> issued = ca.issueWithNewKeys(requests.subList(0, 1));
    assertThat(ca.inventory()).hasSize(issued.size());
  }

  @Test
  void a_certificate_lives_one_year_by_default_and_never_outlives_its_authority() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca =
        fixture
            .authorities()
            .createRoot(
                AuthoritySpec.of(LEDGER, "Operator")
                    .withAuthorityLifetime(Duration.ofDays(400))
                    .withLeafLifetime(Duration.ofDays(365)));

    IssuedCredential standard =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));
    IssuedCredential tooLong =
        ca.issueWithNewKey(
            CertificateRequest.signing("bob", Role.CLIENT, ORG, MSP)
                .withLifetime(Duration.ofDays(3650)));

    Instant now = fixture.clock.instant();
    assertThat(standard.certificate().notAfter()).isEqualTo(now.plus(Duration.ofDays(365)));
    assertThat(standard.certificate().notBefore())
        .as("never starts before its authority")
        .isEqualTo(ca.certificate().getNotBefore().toInstant());
    assertThat(tooLong.certificate().notAfter())
        .isEqualTo(ca.certificate().getNotAfter().toInstant());
  }

  @Test
  void a_certificate_starts_five_minutes_early_to_tolerate_clock_skew() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);
    fixture.clock.advance(Duration.ofHours(1));

    IssuedCredential issued =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));

    assertThat(issued.certificate().notBefore())
        .isEqualTo(fixture.clock.instant().minus(Duration.ofMinutes(5)));
  }

  @Test
  void issued_certificates_validate_with_pkix_until_revoked() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);
    IssuedCredential alice =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));
    Instant later = fixture.clock.instant().plusSeconds(60);

    Pkix.validate(alice.certificate().certificate(), ca.chain(), List.of(ca.crl()), later, false);

    ca.revoke(alice.certificate().serial(), RevocationReason.KEY_COMPROMISE);
    X509CRL crl = ca.crl();
    CertPathValidatorException invalid =
        catchThrowableOfType(
            CertPathValidatorException.class,
            () ->
                Pkix.validate(
                    alice.certificate().certificate(), ca.chain(), List.of(crl), later, false));
    assertThat(invalid.getReason()).isEqualTo(CertPathValidatorException.BasicReason.REVOKED);
  }

  // ---------------------------------------------------------------- invites

  @Test
  void an_invite_is_redeemed_with_member_made_csrs_and_yields_a_fabric_gateway_identity()
      throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    NewInvite invite = ca.invite(scope(Set.of(Role.ADMIN, Role.PEER), 1));
    KeyPair admin = Csrs.p256();
    KeyPair peer = Csrs.p256();
    KeyPair peerTls = Csrs.p256();

    Redemption redemption =
        ca.redeem(
            InviteToken.parse(invite.token().reveal()),
            List.of(
                new CsrSubmission(
                    CertificateProfile.SIGNING, Csrs.pem("CN=admin,OU=admin,O=Bank A", admin)),
                new CsrSubmission(
                    CertificateProfile.SIGNING,
                    Csrs.der("CN=peer0,OU=peer,O=Bank A,2.5.4.97=BankAMSP", peer)),
                new CsrSubmission(
                    CertificateProfile.TLS,
                    Csrs.der("CN=peer0,OU=peer,O=Bank A", peerTls, "peer0.bank-a.example"))));

    assertThat(redemption.certificates())
        .extracting(IssuedCertificate::role)
        .containsExactly(Role.ADMIN, Role.PEER, Role.PEER);
    assertThat(redemption.certificates())
        .allSatisfy(issued -> assertThat(issued.inviteId()).contains(invite.invite().id()));
    assertThat(redemption.chain()).containsExactly(ca.certificate());
    assertThat(redemption.invite().status(Instant.now().plusSeconds(1)))
        .isEqualTo(InviteStatus.REDEEMED);

    X509Certificate adminCertificate = redemption.certificates().get(0).certificate();
    X509Certificate read = Identities.readX509Certificate(Pem.certificate(adminCertificate));
    X509Identity identity = new X509Identity(MSP, read);
    assertThat(identity.getMspId()).isEqualTo(MSP);
    assertThat(identity.getCertificate()).isEqualTo(adminCertificate);
    Signer signer = Signers.newPrivateKeySigner(admin.getPrivate());
    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest("proposal".getBytes(StandardCharsets.UTF_8));
    Signature verifier = Signature.getInstance("NONEwithECDSA");
    verifier.initVerify(identity.getCertificate().getPublicKey());
    verifier.update(digest);
    assertThat(verifier.verify(signer.sign(digest))).isTrue();
  }

  @Test
  void an_invite_redeemed_once_cannot_be_redeemed_again() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    NewInvite invite = ca.invite(scope(Set.of(Role.ADMIN), 0));
    ca.redeem(invite.token(), List.of(adminCsr()));

    assertRefused(
        () -> ca.redeem(invite.token(), List.of(adminCsr())), CaError.INVITE_ALREADY_REDEEMED);
    assertThat(ca.inventory()).hasSize(1);
  }

  @Test
  void an_expired_invite_issues_nothing() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);
    NewInvite invite = ca.invite(scope(Set.of(Role.ADMIN), 0));
    fixture.clock.advance(Duration.ofDays(7).plusSeconds(1));

    assertRefused(() -> ca.redeem(invite.token(), List.of(adminCsr())), CaError.INVITE_EXPIRED);
    assertThat(ca.inventory()).isEmpty();
  }

  @Test
  void an_invite_for_another_ledger_issues_nothing() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority trade = fixture.root(LEDGER);
    CertificateAuthority other = fixture.root("other-ledger");
    NewInvite invite = trade.invite(scope(Set.of(Role.ADMIN), 0));

    assertRefused(
        () -> other.redeem(invite.token(), List.of(adminCsr())), CaError.INVITE_WRONG_LEDGER);
    assertThat(other.inventory()).isEmpty();
    assertThat(trade.invites())
        .singleElement()
        .satisfies(i -> assertThat(i.redeemedAt()).isEmpty());
  }

  @Test
  void a_cancelled_invite_issues_nothing() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    NewInvite invite = ca.invite(scope(Set.of(Role.ADMIN), 0));
    Invite cancelled = ca.cancelInvite(invite.invite().id());

    assertThat(cancelled.cancelledAt()).isPresent();
    assertRefused(() -> ca.redeem(invite.token(), List.of(adminCsr())), CaError.INVITE_CANCELLED);
    assertRefused(() -> ca.cancelInvite(invite.invite().id()), CaError.INVITE_CANCELLED);
    assertThat(ca.inventory()).isEmpty();
  }

  @Test
  void a_token_that_matches_no_invite_issues_nothing() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    ca.invite(scope(Set.of(Role.ADMIN), 0));

    assertRefused(
        () -> ca.redeem(InviteToken.parse("pwi_" + "A".repeat(43)), List.of(adminCsr())),
        CaError.INVITE_NOT_FOUND);
    assertRefused(() -> InviteToken.parse("pwi_short"), CaError.INVITE_NOT_FOUND);
    assertThat(ca.inventory()).isEmpty();
  }

  @Test
  void a_csr_naming_another_organisation_issues_nothing_and_leaves_the_invite_open()
      throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    NewInvite invite = ca.invite(scope(Set.of(Role.ADMIN), 0));

    CaException refused =
        assertRefused(
            () -> ca.redeem(invite.token(), List.of(signingCsr("CN=admin,OU=admin,O=Bank B"))),
            CaError.SUBJECT_MISMATCH);

    assertThat(refused).hasMessageContaining("CSR #1").hasMessageContaining("O=Bank A");
    assertThat(ca.inventory()).isEmpty();
    ca.redeem(invite.token(), List.of(adminCsr()));
    assertThat(ca.inventory()).hasSize(1);
  }

  @Test
  void a_csr_with_another_msp_id_issues_nothing() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    NewInvite invite = ca.invite(scope(Set.of(Role.ADMIN), 0));

    assertRefused(
        () ->
            ca.redeem(
                invite.token(),
                List.of(signingCsr("CN=admin,OU=admin,O=Bank A,2.5.4.97=BankBMSP"))),
        CaError.SUBJECT_MISMATCH);
    assertThat(ca.inventory()).isEmpty();
  }

  @Test
  void a_role_the_invite_does_not_allow_issues_nothing() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    NewInvite invite = ca.invite(scope(Set.of(Role.CLIENT), 0));

    assertRefused(() -> ca.redeem(invite.token(), List.of(adminCsr())), CaError.ROLE_NOT_ALLOWED);
    assertRefused(
        () -> ca.redeem(invite.token(), List.of(signingCsr("CN=x,OU=superuser,O=Bank A"))),
        CaError.ROLE_NOT_ALLOWED);
    assertThat(ca.inventory()).isEmpty();
  }

  @Test
  void more_nodes_than_the_invite_allows_issue_nothing() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    NewInvite invite = ca.invite(scope(Set.of(Role.PEER), 1));

    assertRefused(
        () ->
            ca.redeem(
                invite.token(),
                List.of(
                    signingCsr("CN=peer0,OU=peer,O=Bank A"),
                    signingCsr("CN=peer1,OU=peer,O=Bank A"))),
        CaError.NODE_QUOTA_EXCEEDED);
    assertThat(ca.inventory()).isEmpty();
    assertThat(ca.invites()).singleElement().satisfies(i -> assertThat(i.redeemedAt()).isEmpty());
  }

  @Test
  void concurrent_redemptions_of_one_invite_issue_exactly_once() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    NewInvite invite = ca.invite(scope(Set.of(Role.ADMIN), 0));
    int attempts = 6;
    ExecutorService pool = Executors.newFixedThreadPool(attempts);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Redemption>> results = new ArrayList<>();
    try {
      for (int i = 0; i < attempts; i++) {
        CsrSubmission csr = adminCsr();
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  return ca.redeem(invite.token(), List.of(csr));
                }));
      }
      start.countDown();
      int succeeded = 0;
      for (Future<Redemption> result : results) {
        try {
          result.get();
          succeeded++;
        } catch (ExecutionException e) {
          assertThat(e.getCause()).isInstanceOf(CaException.class);
          assertThat(((CaException) e.getCause()).error())
              .isEqualTo(CaError.INVITE_ALREADY_REDEEMED);
        }
      }
      assertThat(succeeded).isEqualTo(1);
    } finally {
      pool.shutdownNow();
    }
    assertThat(ca.inventory()).hasSize(1);
  }

  @Test
  void only_the_hash_of_an_invite_token_is_stored() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);
    NewInvite invite = ca.invite(scope(Set.of(Role.ADMIN), 0));
    String token = invite.token().reveal();

    List<String> stored = new ArrayList<>();
    try (Connection connection = fixture.dataSource.getConnection();
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT * FROM ca_invite")) {
      while (rows.next()) {
        for (int column = 1; column <= rows.getMetaData().getColumnCount(); column++) {
          stored.add(String.valueOf(rows.getObject(column)));
        }
      }
    }
    assertThat(stored).isNotEmpty().noneMatch(value -> value.contains(token.substring(4)));
    assertThat(stored).contains(invite.token().hash());
    assertThat(invite.toString()).doesNotContain(token);
  }

  @Test
  void an_invite_scope_out_of_bounds_is_refused() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);

    assertRefused(
        () -> ca.invite(new InviteScope(ORG, MSP, Set.of(), 0, Duration.ofDays(1))),
        CaError.INVALID_ARGUMENT);
    assertRefused(
        () -> ca.invite(new InviteScope(ORG, MSP, Set.of(Role.PEER), 101, Duration.ofDays(1))),
        CaError.INVALID_ARGUMENT);
    assertRefused(
        () -> ca.invite(new InviteScope(ORG, MSP, Set.of(Role.ADMIN), 0, Duration.ofDays(31))),
        CaError.INVALID_ARGUMENT);
    assertThat(ca.invites()).isEmpty();
  }

  // ---------------------------------------------------------------- revocation

  @Test
  void each_revocation_signs_a_crl_with_the_next_number_and_the_reason() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    IssuedCredential alice =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));
    BigInteger before = crlNumber(ca.crl());

    ca.revoke(alice.certificate().serial(), RevocationReason.PRIVILEGE_WITHDRAWN);

    X509CRL crl = ca.crl();
    crl.verify(ca.certificate().getPublicKey());
    assertThat(crlNumber(crl)).isEqualTo(before.add(BigInteger.ONE));
    X509CRLEntry entry = crl.getRevokedCertificate(alice.certificate().serial());
    assertThat(entry).isNotNull();
    assertThat(entry.getRevocationReason()).isEqualTo(CRLReason.PRIVILEGE_WITHDRAWN);
    assertThat(ca.find(alice.certificate().serial()).orElseThrow().revocation())
        .hasValueSatisfying(
            r -> assertThat(r.reason()).isEqualTo(RevocationReason.PRIVILEGE_WITHDRAWN));
  }

  @Test
  void revoking_an_unknown_certificate_changes_nothing() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    X509CRL before = ca.crl();

    assertRefused(
        () -> ca.revoke(BigInteger.TEN, RevocationReason.UNSPECIFIED),
        CaError.CERTIFICATE_NOT_FOUND);
    assertThat(crlNumber(ca.crl())).isEqualTo(crlNumber(before));
  }

  @Test
  void revoking_a_certificate_twice_is_refused() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    IssuedCredential alice =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));
    ca.revoke(alice.certificate().serial(), RevocationReason.KEY_COMPROMISE);
    BigInteger number = crlNumber(ca.crl());

    assertRefused(
        () -> ca.revoke(alice.certificate().serial(), RevocationReason.SUPERSEDED),
        CaError.ALREADY_REVOKED);
    assertThat(crlNumber(ca.crl())).isEqualTo(number);
    assertThat(
            ca.find(alice.certificate().serial()).orElseThrow().revocation().orElseThrow().reason())
        .isEqualTo(RevocationReason.KEY_COMPROMISE);
  }

  @Test
  void a_batch_revocation_with_one_unknown_serial_revokes_nothing() throws Exception {
    CertificateAuthority ca = fixture().root(LEDGER);
    IssuedCredential alice =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));

    assertRefused(
        () ->
            ca.revoke(
                List.of(alice.certificate().serial(), BigInteger.TWO),
                RevocationReason.UNSPECIFIED),
        CaError.CERTIFICATE_NOT_FOUND);
    assertThat(ca.find(alice.certificate().serial()).orElseThrow().isRevoked()).isFalse();
    assertThat(ca.crl().getRevokedCertificates()).isNull();
  }

  @Test
  void a_crl_past_half_its_validity_is_replaced_by_a_fresh_one() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);
    X509CRL first = ca.crl();
    assertThat(crlNumber(ca.crl())).isEqualTo(crlNumber(first));

    fixture.clock.advance(Duration.ofDays(4));
    X509CRL fresh = ca.crl();

    assertThat(crlNumber(fresh)).isEqualTo(crlNumber(first).add(BigInteger.ONE));
    assertThat(fresh.getNextUpdate().toInstant())
        .isEqualTo(fixture.clock.instant().plus(AuthoritySpec.DEFAULT_CRL_VALIDITY));
  }

  // ---------------------------------------------------------------- renewal and inventory

  @Test
  void renewal_keeps_the_public_key_and_subject_with_a_fresh_validity() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);
    IssuedCredential alice =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));
    fixture.clock.advance(Duration.ofDays(340));

    IssuedCertificate renewed = ca.renew(alice.certificate().serial());

    assertThat(renewed.serial()).isNotEqualTo(alice.certificate().serial());
    assertThat(renewed.certificate().getPublicKey())
        .isEqualTo(alice.certificate().certificate().getPublicKey());
    assertThat(renewed.certificate().getSubjectX500Principal())
        .isEqualTo(alice.certificate().certificate().getSubjectX500Principal());
    assertThat(renewed.notAfter()).isAfter(alice.certificate().notAfter());
    assertThat(renewed.renewalOf()).contains(alice.certificate().serial());
    assertThat(ca.find(alice.certificate().serial()).orElseThrow().renewedBy())
        .contains(renewed.serial());
  }

  @Test
  void renewing_a_revoked_expired_or_renewed_certificate_is_refused() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);
    IssuedCertificate revoked =
        ca.issueWithNewKey(CertificateRequest.signing("r", Role.CLIENT, ORG, MSP)).certificate();
    IssuedCertificate renewed =
        ca.issueWithNewKey(CertificateRequest.signing("n", Role.CLIENT, ORG, MSP)).certificate();
    IssuedCertificate shortLived =
        ca.issueWithNewKey(
                CertificateRequest.signing("s", Role.CLIENT, ORG, MSP)
                    .withLifetime(Duration.ofDays(1)))
            .certificate();
    ca.revoke(revoked.serial(), RevocationReason.UNSPECIFIED);
    ca.renew(renewed.serial());
    fixture.clock.advance(Duration.ofDays(2));
    int inventory = ca.inventory().size();

    assertRefused(() -> ca.renew(revoked.serial()), CaError.CERTIFICATE_REVOKED);
    assertRefused(() -> ca.renew(renewed.serial()), CaError.CERTIFICATE_SUPERSEDED);
    assertRefused(() -> ca.renew(shortLived.serial()), CaError.CERTIFICATE_EXPIRED);
    assertRefused(() -> ca.renew(BigInteger.TEN), CaError.CERTIFICATE_NOT_FOUND);
    assertThat(ca.inventory()).hasSize(inventory);
  }

  @Test
  void expiring_within_lists_what_to_renew_soonest_first() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);
    IssuedCertificate in20 = issueFor(ca, "a", Duration.ofDays(20));
    IssuedCertificate in10 = issueFor(ca, "b", Duration.ofDays(10));
    issueFor(ca, "c", Duration.ofDays(60));
    IssuedCertificate revoked = issueFor(ca, "d", Duration.ofDays(5));
    IssuedCertificate renewed = issueFor(ca, "e", Duration.ofDays(15));
    issueFor(ca, "f", Duration.ofDays(1));
    ca.revoke(revoked.serial(), RevocationReason.UNSPECIFIED);
    ca.renew(renewed.serial());
    fixture.clock.advance(Duration.ofDays(2));

    assertThat(ca.expiringWithin(Duration.ofDays(30)))
        .extracting(IssuedCertificate::serial)
        .containsExactly(in10.serial(), in20.serial());
    assertRefused(() -> ca.expiringWithin(Duration.ZERO), CaError.INVALID_ARGUMENT);
  }

  // ---------------------------------------------------------------- durability

  @Test
  void a_restart_loses_nothing() throws Exception {
    CaFixture fixture = fixture();
    CertificateAuthority ca = fixture.root(LEDGER);
    IssuedCredential alice =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));
    ca.revoke(alice.certificate().serial(), RevocationReason.KEY_COMPROMISE);
    NewInvite invite = ca.invite(scope(Set.of(Role.ADMIN), 0));
    X509CRL crl = ca.crl();

    CertificateAuthority reopened = fixture.authorities().open(LEDGER);

    assertThat(reopened.certificate()).isEqualTo(ca.certificate());
    assertThat(reopened.inventory())
        .extracting(IssuedCertificate::serial)
        .containsExactly(alice.certificate().serial());
    assertThat(reopened.find(alice.certificate().serial()).orElseThrow().isRevoked()).isTrue();
    assertThat(reopened.crl()).isEqualTo(crl);
    assertThat(reopened.invites()).extracting(Invite::id).containsExactly(invite.invite().id());
    Redemption redemption = reopened.redeem(invite.token(), List.of(adminCsr()));
    redemption.certificates().get(0).certificate().verify(ca.certificate().getPublicKey());
  }

  // ---------------------------------------------------------------- helpers

  static InviteScope scope(Set<Role> roles, int maxNodes) {
    return new InviteScope(ORG, MSP, roles, maxNodes, Duration.ofDays(7));
  }

  /** A member-made CSR for a signing certificate, with a fresh P-256 key. */
  static CsrSubmission signingCsr(String subject) {
    return new CsrSubmission(CertificateProfile.SIGNING, Csrs.der(subject, Csrs.p256()));
  }

  static CsrSubmission adminCsr() {
    return signingCsr("CN=admin,OU=admin,O=Bank A");
  }

  static IssuedCertificate issueFor(CertificateAuthority ca, String name, Duration lifetime)
      throws CaException {
    return ca.issueWithNewKey(
            CertificateRequest.signing(name, Role.CLIENT, ORG, MSP).withLifetime(lifetime))
        .certificate();
  }

  static BigInteger crlNumber(X509CRL crl) {
    byte[] extension = crl.getExtensionValue(Extension.cRLNumber.getId());
    return ASN1Integer.getInstance(ASN1OctetString.getInstance(extension).getOctets()).getValue();
  }

  static CaException assertRefused(Callable<?> action, CaError error) {
    CaException refused = catchThrowableOfType(CaException.class, action::call);
    assertThat(refused).as("expected %s", error).isNotNull();
    assertThat(refused.error()).as(refused.getMessage()).isEqualTo(error);
    return refused;
  }
}
