package io.patchwork.ca;

import static io.patchwork.ca.CertificateAuthorityContract.MSP;
import static io.patchwork.ca.CertificateAuthorityContract.ORG;
import static io.patchwork.ca.CertificateAuthorityContract.assertRefused;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every CSR the authority must refuse, each refused with its own code and nothing issued. */
class CsrCheckTest {
  @TempDir Path directory;
  private CertificateAuthority ca;

  @BeforeEach
  void createAuthority() throws Exception {
    ca = new CaFixture(directory, Databases.h2(directory)).root("csr-checks");
  }

  private IssuedCertificate issueAlice(byte[] csr) throws CaException {
    return ca.issue(csr, CertificateRequest.signing("alice", Role.CLIENT, ORG, MSP));
  }

  private void assertRefusedAndNothingIssued(byte[] csr, CaError error) throws CaException {
    assertRefused(() -> issueAlice(csr), error);
    assertThat(ca.inventory()).isEmpty();
  }

  @Test
  void bytes_that_are_not_a_csr_are_malformed() throws Exception {
    assertRefusedAndNothingIssued(
        "hello".getBytes(StandardCharsets.US_ASCII), CaError.MALFORMED_CSR);
    assertRefusedAndNothingIssued(new byte[0], CaError.MALFORMED_CSR);
  }

  @Test
  void pem_text_holding_something_else_is_malformed() throws Exception {
    byte[] pem = Pem.certificate(ca.certificate()).getBytes(StandardCharsets.US_ASCII);
    assertRefusedAndNothingIssued(pem, CaError.MALFORMED_CSR);
  }

  @Test
  void a_csr_with_trailing_bytes_is_malformed() throws Exception {
    byte[] csr = Csrs.der("CN=alice", Csrs.p256());
    byte[] longer = Arrays.copyOf(csr, csr.length + 3);
    assertRefusedAndNothingIssued(longer, CaError.MALFORMED_CSR);
  }

  @Test
  void an_oversized_csr_is_refused_before_it_is_parsed() throws Exception {
    assertRefusedAndNothingIssued(new byte[CsrSubmission.MAX_BYTES + 1], CaError.CSR_TOO_LARGE);
  }

  @Test
  void a_csr_signed_by_another_key_has_no_proof_of_possession() throws Exception {
    KeyPair claimed = Csrs.p256();
    KeyPair signer = Csrs.p256();
    byte[] forged =
        new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=alice"), claimed.getPublic())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()))
            .getEncoded();
    assertRefusedAndNothingIssued(forged, CaError.CSR_SIGNATURE_INVALID);
  }

  @Test
  void a_csr_whose_subject_was_altered_after_signing_fails_its_signature() throws Exception {
    byte[] csr = Csrs.der("CN=alice", Csrs.p256());
    byte[] tampered = csr.clone();
    int at = indexOf(tampered, "alice".getBytes(StandardCharsets.US_ASCII));
    tampered[at] = 'e';
    assertRefusedAndNothingIssued(tampered, CaError.CSR_SIGNATURE_INVALID);
  }

  @Test
  void a_csr_signed_with_sha1_is_refused() throws Exception {
    KeyPair key = Csrs.p256();
    byte[] csr =
        new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=alice"), key.getPublic())
            .build(new JcaContentSignerBuilder("SHA1withECDSA").build(key.getPrivate()))
            .getEncoded();
    assertRefusedAndNothingIssued(csr, CaError.CSR_SIGNATURE_INVALID);
  }

  @Test
  void rsa_keys_below_2048_bits_are_refused() throws Exception {
    assertRefusedAndNothingIssued(Csrs.der("CN=alice", Csrs.rsa(1024)), CaError.KEY_NOT_ALLOWED);
  }

  @Test
  void rsa_keys_of_2048_bits_are_certified() throws Exception {
    IssuedCertificate issued = issueAlice(Csrs.der("CN=alice", Csrs.rsa(2048)));
    assertThat(issued.certificate().getPublicKey().getAlgorithm()).isEqualTo("RSA");
  }

  @Test
  void keys_on_an_unknown_curve_are_refused() throws Exception {
    // secp256k1 is not among the JDK 17 curves; Bouncy Castle makes the key pair.
    KeyPairGenerator generator =
        KeyPairGenerator.getInstance(
            "EC", new org.bouncycastle.jce.provider.BouncyCastleProvider());
    generator.initialize(new ECGenParameterSpec("secp256k1"));
    KeyPair key = generator.generateKeyPair();
    byte[] csr =
        new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=alice"), key.getPublic())
            .build(
                new JcaContentSignerBuilder("SHA256withECDSA")
                    .setProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider())
                    .build(key.getPrivate()))
            .getEncoded();
    CaException refused = assertRefused(() -> issueAlice(csr), CaError.KEY_NOT_ALLOWED);
    assertThat(refused).hasMessageContaining("P-256 or P-384");
    assertThat(ca.inventory()).isEmpty();
  }

  @Test
  void p384_keys_are_certified() throws Exception {
    IssuedCertificate issued = issueAlice(Csrs.der("CN=alice", Csrs.ec("secp384r1")));
    assertThat(issued.certificate().getPublicKey().getAlgorithm()).isEqualTo("EC");
  }

  @Test
  void ed25519_keys_are_refused() throws Exception {
    KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    byte[] csr =
        new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=alice"), key.getPublic())
            .build(new JcaContentSignerBuilder("Ed25519").build(key.getPrivate()))
            .getEncoded();
    assertRefused(() -> issueAlice(csr), CaError.CSR_SIGNATURE_INVALID);
    assertThat(ca.inventory()).isEmpty();
  }

  @Test
  void a_subject_with_attributes_the_authority_does_not_certify_is_refused() throws Exception {
    assertRefusedAndNothingIssued(Csrs.der("C=US,CN=alice", Csrs.p256()), CaError.SUBJECT_MISMATCH);
  }

  @Test
  void a_subject_that_disagrees_with_the_request_is_refused() throws Exception {
    assertRefusedAndNothingIssued(Csrs.der("CN=bob", Csrs.p256()), CaError.SUBJECT_MISMATCH);
    assertRefusedAndNothingIssued(
        Csrs.der("CN=alice,OU=admin", Csrs.p256()), CaError.SUBJECT_MISMATCH);
  }

  @Test
  void a_pem_csr_is_accepted_like_a_der_one() throws Exception {
    IssuedCertificate issued = issueAlice(Csrs.pem("CN=alice,OU=client,O=Bank A", Csrs.p256()));
    assertThat(issued.commonName()).isEqualTo("alice");
  }

  @Test
  void an_invite_csr_asking_for_an_email_alternative_name_is_refused() throws Exception {
    NewInvite invite = ca.invite(CertificateAuthorityContract.scope(Set.of(Role.ADMIN), 0));
    KeyPair key = Csrs.p256();
    org.bouncycastle.asn1.x509.ExtensionsGenerator extensions =
        new org.bouncycastle.asn1.x509.ExtensionsGenerator();
    extensions.addExtension(
        org.bouncycastle.asn1.x509.Extension.subjectAlternativeName,
        false,
        new org.bouncycastle.asn1.x509.GeneralNames(
            new org.bouncycastle.asn1.x509.GeneralName(
                org.bouncycastle.asn1.x509.GeneralName.rfc822Name, "admin@bank-a.example")));
    byte[] csr =
        new JcaPKCS10CertificationRequestBuilder(
                new X500Name("CN=admin,OU=admin,O=Bank A"), key.getPublic())
            .addAttribute(
                org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.pkcs_9_at_extensionRequest,
                extensions.generate())
            .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()))
            .getEncoded();

    assertRefused(
        () ->
            ca.redeem(invite.token(), List.of(new CsrSubmission(CertificateProfile.SIGNING, csr))),
        CaError.SUBJECT_MISMATCH);
    assertThat(ca.inventory()).isEmpty();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    throw new AssertionError("not found");
  }
}
