package io.patchwork.ca;

import static io.patchwork.ca.CertificateAuthorityContract.MSP;
import static io.patchwork.ca.CertificateAuthorityContract.ORG;
import static io.patchwork.ca.CertificateAuthorityContract.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A ledger's authority as an intermediate under an operator's own root. */
class IntermediateAuthorityTest {
  @TempDir Path directory;

  @Test
  void an_intermediate_authority_issues_certificates_that_chain_to_the_operator_root()
      throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    OperatorRoot operator = OperatorRoot.create("CN=Operator Root,O=Operator", true);

    CertificateAuthority ca = fixture.intermediate("inter", operator);
    IssuedCredential alice =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));

    assertThat(ca.chain()).hasSize(2).endsWith(operator.certificate());
    assertThat(ca.trustRoot()).isEqualTo(operator.certificate());
    assertThat(ca.certificate().getBasicConstraints()).isZero();
    ca.certificate().verify(operator.certificate().getPublicKey());
    assertThat(ca.certificate().getNotAfter())
        .isBeforeOrEqualTo(operator.certificate().getNotAfter());
    Pkix.validate(
        alice.certificate().certificate(),
        ca.chain(),
        List.of(ca.crl()),
        fixture.clock.instant().plusSeconds(1),
        true);
    assertThat(fixture.authorities().open("inter").chain()).isEqualTo(ca.chain());
  }

  @Test
  void an_issuer_that_is_not_a_ca_is_refused_and_nothing_is_written() throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    OperatorRoot notCa = OperatorRoot.create("CN=Not a CA", false);

    assertRefused(
        () ->
            fixture
                .authorities()
                .createIntermediate(
                    AuthoritySpec.of("inter", "Operator"),
                    notCa.keyPair().getPrivate(),
                    List.of(notCa.certificate())),
        CaError.ISSUER_INVALID);
    assertThat(fixture.authorities().ledgerIds()).isEmpty();
  }

  @Test
  void an_issuer_key_that_does_not_match_its_certificate_is_refused() throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    OperatorRoot operator = OperatorRoot.create("CN=Operator Root", true);
    OperatorRoot other = OperatorRoot.create("CN=Other Root", true);

    assertRefused(
        () ->
            fixture
                .authorities()
                .createIntermediate(
                    AuthoritySpec.of("inter", "Operator"),
                    other.keyPair().getPrivate(),
                    List.of(operator.certificate())),
        CaError.ISSUER_INVALID);
    assertThat(fixture.authorities().ledgerIds()).isEmpty();
  }
}
