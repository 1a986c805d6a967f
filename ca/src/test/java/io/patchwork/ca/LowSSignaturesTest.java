package io.patchwork.ca;

import static io.patchwork.ca.CertificateAuthorityContract.MSP;
import static io.patchwork.ca.CertificateAuthorityContract.ORG;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every certificate and CRL an authority signs has a low-S ECDSA signature, as Fabric's MSP
 * demands. Half of all plain ECDSA signatures are high-S, so the many signatures here would show a
 * single one that slipped through.
 */
class LowSSignaturesTest {
  private static final int ROUNDS = 12;

  @TempDir Path directory;

  @Test
  void every_certificate_and_crl_of_a_root_authority_is_signed_low_s() throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    CertificateAuthority ca = fixture.root("low-s");
    assertLowS(ca.certificate(), ca.certificate().getPublicKey());
    assertEverythingIssuedIsLowS(ca);
  }

  @Test
  void every_certificate_and_crl_of_an_intermediate_authority_is_signed_low_s() throws Exception {
    CaFixture fixture = new CaFixture(directory, Databases.h2(directory));
    OperatorRoot operator = OperatorRoot.create("CN=Operator Root,O=Operator", true);
    CertificateAuthority ca = fixture.intermediate("low-s-inter", operator);
    assertLowS(ca.certificate(), operator.certificate().getPublicKey());
    assertEverythingIssuedIsLowS(ca);
  }

  @Test
  void a_csr_made_by_the_module_is_signed_low_s() throws Exception {
    for (int i = 0; i < ROUNDS * 4; i++) {
      byte[] der =
          Csr.create(Csrs.p256(), CertificateRequest.signing("admin" + i, Role.ADMIN, ORG, MSP));
      PKCS10CertificationRequest csr = new PKCS10CertificationRequest(der);
      assertThat(isLowS(csr.getSignature(), P256_ORDER)).as("CSR %d's signature", i).isTrue();
    }
  }

  private static final BigInteger P256_ORDER =
      new BigInteger("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

  private static void assertEverythingIssuedIsLowS(CertificateAuthority ca) throws Exception {
    PublicKey issuerKey = ca.certificate().getPublicKey();
    List<BigInteger> serials = new ArrayList<>();
    List<X509CRL> crls = new ArrayList<>();
    crls.add(ca.crl());
    for (int i = 0; i < ROUNDS; i++) {
      for (Role role : Role.values()) {
        IssuedCredential signing =
            ca.issueWithNewKey(CertificateRequest.signing(role + "-" + i, role, ORG, MSP));
        assertLowS(signing.certificate().certificate(), issuerKey);
        serials.add(signing.certificate().serial());
      }
      IssuedCredential tls =
          ca.issueWithNewKey(
              CertificateRequest.tls(
                  "peer" + i,
                  Role.PEER,
                  ORG,
                  MSP,
                  List.of("peer" + i + ".example"),
                  List.of(InetAddress.getByName("10.0.0." + (i + 1)))));
      assertLowS(tls.certificate().certificate(), issuerKey);
      CertificateRequest fromCsr = CertificateRequest.signing("csr-" + i, Role.CLIENT, ORG, MSP);
      IssuedCertificate issued = ca.issue(Csr.create(Csrs.p256(), fromCsr), fromCsr);
      assertLowS(issued.certificate(), issuerKey);
      IssuedCertificate renewed = ca.renew(issued.serial());
      assertLowS(renewed.certificate(), issuerKey);
      crls.add(
          ca.prospectiveCrl(List.of(tls.certificate().serial()), RevocationReason.KEY_COMPROMISE));
      ca.revoke(serials.get(serials.size() - 1), RevocationReason.KEY_COMPROMISE);
      crls.add(ca.crl());
    }
    for (X509CRL crl : crls) {
      crl.verify(issuerKey);
      assertThat(isLowS(crl.getSignature(), order(issuerKey)))
          .as("the signature of CRL %s", crl)
          .isTrue();
    }
  }

  private static void assertLowS(X509Certificate certificate, PublicKey issuerKey)
      throws Exception {
    certificate.verify(issuerKey);
    assertThat(isLowS(certificate.getSignature(), order(issuerKey)))
        .as("the signature of %s", certificate.getSubjectX500Principal())
        .isTrue();
  }

  private static BigInteger order(PublicKey key) {
    return ((ECKey) key).getParams().getOrder();
  }

  private static boolean isLowS(byte[] derSignature, BigInteger order) {
    BigInteger s =
        ASN1Integer.getInstance(ASN1Sequence.getInstance(derSignature).getObjectAt(1)).getValue();
    return s.compareTo(order.shiftRight(1)) <= 0;
  }
}
