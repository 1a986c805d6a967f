package io.patchwork.ca;

import java.io.IOException;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** Makes CSRs the way a member would, with Bouncy Castle's PKCS#10 builder. */
final class Csrs {
  private Csrs() {}

  static KeyPair p256() {
    return ec("secp256r1");
  }

  static KeyPair ec(String curve) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(curve));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static KeyPair rsa(int bits) {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(bits);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A DER CSR for the subject, signed by the key pair, asking for the given DNS names. */
  static byte[] der(String subject, KeyPair keyPair, String... dnsNames) {
    try {
      return csr(subject, keyPair, List.of(dnsNames), List.of()).getEncoded();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static PKCS10CertificationRequest csr(
      String subject, KeyPair keyPair, List<String> dnsNames, List<InetAddress> ipAddresses) {
    try {
      PKCS10CertificationRequestBuilder builder =
          new JcaPKCS10CertificationRequestBuilder(new X500Name(subject), keyPair.getPublic());
      List<GeneralName> names = new ArrayList<>();
      dnsNames.forEach(dns -> names.add(new GeneralName(GeneralName.dNSName, dns)));
      ipAddresses.forEach(
          ip ->
              names.add(
                  new GeneralName(GeneralName.iPAddress, new DEROctetString(ip.getAddress()))));
      if (!names.isEmpty()) {
        ExtensionsGenerator extensions = new ExtensionsGenerator();
        extensions.addExtension(
            Extension.subjectAlternativeName,
            false,
            new GeneralNames(names.toArray(new GeneralName[0])));
        builder.addAttribute(
            PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
      }
      String algorithm =
          keyPair.getPublic().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
      return builder.build(new JcaContentSignerBuilder(algorithm).build(keyPair.getPrivate()));
    } catch (IOException | OperatorCreationException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] pem(String subject, KeyPair keyPair) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      writer.writeObject(csr(subject, keyPair, List.of(), List.of()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }
}
