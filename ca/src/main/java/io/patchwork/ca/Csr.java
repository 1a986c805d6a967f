package io.patchwork.ca;

import java.io.IOException;
import java.security.KeyPair;
import java.util.Objects;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/**
 * Makes the PKCS#10 request a member sends with an invite, on the member's side: the key never
 * leaves the member. The subject is the one the authority will certify.
 *
 * <pre>{@code
 * KeyPair key = ...; // ECDSA P-256, made and kept by the member
 * byte[] csr = Csr.create(key, CertificateRequest.signing("admin", Role.ADMIN, "Bank A", "BankAMSP"));
 * }</pre>
 */
public final class Csr {
  private Csr() {}

  /**
   * A DER-encoded CSR for the request's subject and host names, signed with the key pair (SHA-256
   * with ECDSA or RSA).
   *
   * @throws CaException {@link CaError#INVALID_ARGUMENT} if the request is not one the authority
   *     would certify, {@link CaError#KEY_NOT_ALLOWED} if the key cannot sign a CSR
   */
  public static byte[] create(KeyPair keyPair, CertificateRequest request) throws CaException {
    Objects.requireNonNull(keyPair, "keyPair");
    Objects.requireNonNull(request, "request");
    Subjects.checkRequest(request);
    PKCS10CertificationRequestBuilder builder =
        new JcaPKCS10CertificationRequestBuilder(Subjects.leaf(request), keyPair.getPublic());
    try {
      GeneralNames names = X509Factory.subjectAlternativeNames(request);
      if (names != null) {
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(Extension.subjectAlternativeName, false, names);
        builder.addAttribute(
            PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
      }
      String algorithm =
          "RSA".equals(keyPair.getPrivate().getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
      return builder
          .build(
              LowSSigner.of(
                  new JcaContentSignerBuilder(algorithm).build(keyPair.getPrivate()),
                  keyPair.getPrivate()))
          .getEncoded();
    } catch (IOException | OperatorCreationException | IllegalArgumentException e) {
      throw new CaException(CaError.KEY_NOT_ALLOWED, "the key cannot sign a CSR: " + e, e);
    }
  }
}
