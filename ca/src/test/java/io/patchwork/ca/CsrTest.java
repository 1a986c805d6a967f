package io.patchwork.ca;

import static io.patchwork.ca.CertificateAuthorityContract.MSP;
import static io.patchwork.ca.CertificateAuthorityContract.ORG;
import static io.patchwork.ca.CertificateAuthorityContract.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member makes its CSRs with {@link Csr} and redeems its invite with them. */
class CsrTest {
  @TempDir Path directory;

  @Test
  void csrs_made_by_a_member_redeem_an_invite_for_exactly_the_requested_identity()
      throws Exception {
    CertificateAuthority ca = new CaFixture(directory, Databases.h2(directory)).root("members");
    NewInvite invite = ca.invite(CertificateAuthorityContract.scope(Set.of(Role.PEER), 1));
    KeyPair key = Csrs.p256();
    CertificateRequest wanted =
        CertificateRequest.tls(
            "peer0", Role.PEER, ORG, MSP, List.of("peer0.bank-a.example"), List.of());

    Redemption redemption =
        ca.redeem(
            invite.token(),
            List.of(new CsrSubmission(CertificateProfile.TLS, Csr.create(key, wanted))));

    IssuedCertificate issued = redemption.certificates().get(0);
    assertThat(issued.certificate().getPublicKey()).isEqualTo(key.getPublic());
    assertThat(issued.commonName()).isEqualTo("peer0");
    assertThat(issued.mspId()).isEqualTo(MSP);
    assertThat(issued.certificate().getSubjectAlternativeNames())
        .containsExactly(List.of(2, "peer0.bank-a.example"));
  }

  @Test
  void a_request_the_authority_would_refuse_makes_no_csr() {
    assertRefused(
        () -> Csr.create(Csrs.p256(), CertificateRequest.signing("", Role.ADMIN, ORG, MSP)),
        CaError.INVALID_ARGUMENT);
  }
}
