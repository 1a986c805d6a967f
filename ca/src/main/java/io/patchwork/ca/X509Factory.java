package io.patchwork.ca;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds and signs certificates and CRLs. This is where Bouncy Castle's certificate builders live;
 * nothing of them escapes the module. Thread-safe: it holds no mutable state.
 */
final class X509Factory {
  private final SecureRandom random;
  private final JcaX509ExtensionUtils extensionUtils;
  private final JcaX509CertificateConverter certificateConverter =
      new JcaX509CertificateConverter();
  private final JcaX509CRLConverter crlConverter = new JcaX509CRLConverter();

  X509Factory(SecureRandom random) {
    this.random = random;
    try {
      this.extensionUtils = new JcaX509ExtensionUtils();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-1 is required of every Java platform", e);
    }
  }

  /** A positive serial number of 159 random bits (RFC 5280 allows at most 20 octets). */
  BigInteger newSerial() {
    BigInteger serial;
    do {
      serial = new BigInteger(159, random);
    } while (serial.bitLength() < 64);
    return serial;
  }

  /** A self-signed root: CA, any path length, keyCertSign and cRLSign. */
  X509Certificate root(
      PublicKey publicKey, PrivateKey privateKey, X500Name subject, Instant from, Instant until)
      throws CaException {
    AuthorityKeyIdentifier selfIssued =
        new AuthorityKeyIdentifier(
            extensionUtils.createSubjectKeyIdentifier(publicKey).getKeyIdentifier());
    return authority(
        publicKey,
        subject,
        subject,
        selfIssued,
        new BasicConstraints(true),
        privateKey,
        from,
        until);
  }

  /** An intermediate under the given issuer: CA with path length 0, keyCertSign and cRLSign. */
  X509Certificate intermediate(
      PublicKey publicKey,
      X500Name subject,
      PrivateKey issuerKey,
      X509Certificate issuer,
      Instant from,
      Instant until)
      throws CaException {
    return authority(
        publicKey,
        subject,
        X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
        authorityKeyId(issuer),
        new BasicConstraints(0),
        issuerKey,
        from,
        until);
  }

  private X509Certificate authority(
      PublicKey publicKey,
      X500Name subject,
      X500Name issuer,
      AuthorityKeyIdentifier issuerKeyId,
      BasicConstraints constraints,
      PrivateKey signingKey,
      Instant from,
      Instant until)
      throws CaException {
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            issuer, newSerial(), Date.from(from), Date.from(until), subject, publicKey);
    try {
      builder.addExtension(Extension.basicConstraints, true, constraints);
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      builder.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          extensionUtils.createSubjectKeyIdentifier(publicKey));
      builder.addExtension(Extension.authorityKeyIdentifier, false, issuerKeyId);
    } catch (IOException e) {
      throw encodingFailure(e);
    }
    return sign(builder, signingKey);
  }

  /** A member's leaf certificate with the extensions of its profile and role. */
  X509Certificate leaf(
      BigInteger serial,
      PublicKey publicKey,
      X500Name subject,
      CertificateRequest request,
      PrivateKey issuerKey,
      X509Certificate issuer,
      Instant from,
      Instant until)
      throws CaException {
    KeyPurposeId[] purposes = null;
    if (request.profile() == CertificateProfile.TLS) {
      purposes =
          request.role().isNode()
              ? new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}
              : new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth};
    }
    return endEntity(
        serial,
        publicKey,
        subject,
        keyUsage(request.profile(), publicKey),
        purposes,
        subjectAlternativeNames(request),
        issuerKey,
        issuer,
        from,
        until);
  }

  /**
   * A service's TLS certificate (not a ledger member's): serverAuth, and clientAuth for the
   * instances of one service that connect to each other with it (the manager's event bus and
   * forwarded requests); the given DNS names and IP addresses as subject alternative names.
   */
  X509Certificate server(
      PublicKey publicKey,
      X500Name subject,
      List<String> dnsNames,
      List<InetAddress> ipAddresses,
      PrivateKey issuerKey,
      X509Certificate issuer,
      Instant from,
      Instant until)
      throws CaException {
    return endEntity(
        newSerial(),
        publicKey,
        subject,
        keyUsage(CertificateProfile.TLS, publicKey),
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth},
        subjectAlternativeNames(dnsNames, ipAddresses),
        issuerKey,
        issuer,
        from,
        until);
  }

  /** A certificate that is no authority, with its key usage, purposes (if any) and names. */
  private X509Certificate endEntity(
      BigInteger serial,
      PublicKey publicKey,
      X500Name subject,
      KeyUsage usage,
      KeyPurposeId[] purposes,
      GeneralNames names,
      PrivateKey issuerKey,
      X509Certificate issuer,
      Instant from,
      Instant until)
      throws CaException {
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            issuer, serial, Date.from(from), Date.from(until), subject, publicKey);
    try {
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(Extension.keyUsage, true, usage);
      if (purposes != null) {
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
      }
      builder.addExtension(
          Extension.subjectKeyIdentifier,
          false,
          extensionUtils.createSubjectKeyIdentifier(publicKey));
      builder.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId(issuer));
      if (names != null) {
        builder.addExtension(Extension.subjectAlternativeName, false, names);
      }
    } catch (IOException e) {
      throw encodingFailure(e);
    }
    return sign(builder, issuerKey);
  }

  /** A revoked entry of a CRL. */
  record RevokedEntry(BigInteger serial, Instant revokedAt, RevocationReason reason) {}

  /** A version 2 CRL with a CRL number and authority key identifier. */
  X509CRL crl(
      PrivateKey issuerKey,
      X509Certificate issuer,
      BigInteger number,
      Instant thisUpdate,
      Instant nextUpdate,
      List<RevokedEntry> entries)
      throws CaException {
    X509v2CRLBuilder builder =
        new X509v2CRLBuilder(
            X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
            Date.from(thisUpdate));
    builder.setNextUpdate(Date.from(nextUpdate));
    for (RevokedEntry entry : entries) {
      builder.addCRLEntry(entry.serial(), Date.from(entry.revokedAt()), entry.reason().code());
    }
    try {
      builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
      builder.addExtension(Extension.authorityKeyIdentifier, false, authorityKeyId(issuer));
      X509CRLHolder holder = builder.build(signer(issuerKey));
      return crlConverter.getCRL(holder);
    } catch (IOException e) {
      throw encodingFailure(e);
    } catch (GeneralSecurityException e) {
      throw new CaException(CaError.STORAGE_FAILURE, "cannot decode the CRL just signed: " + e, e);
    }
  }

  private X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
      throws CaException {
    X509CertificateHolder holder = builder.build(signer(key));
    try {
      return certificateConverter.getCertificate(holder);
    } catch (GeneralSecurityException e) {
      throw new CaException(
          CaError.STORAGE_FAILURE, "cannot decode the certificate just signed: " + e, e);
    }
  }

  private ContentSigner signer(PrivateKey key) throws CaException {
    try {
      return LowSSigner.of(
          new JcaContentSignerBuilder(signatureAlgorithm(key))
              .setProvider(Crypto.PROVIDER)
              .setSecureRandom(random)
              .build(key),
          key);
    } catch (OperatorCreationException e) {
      throw new CaException(CaError.ISSUER_INVALID, "the issuer key cannot sign: " + e, e);
    }
  }

  static String signatureAlgorithm(PrivateKey key) throws CaException {
    if (key instanceof ECKey ec) {
      return ec.getParams().getOrder().bitLength() > 256 ? "SHA384withECDSA" : "SHA256withECDSA";
    }
    if (key instanceof RSAKey) {
      return "SHA256withRSA";
    }
    throw new CaException(
        CaError.ISSUER_INVALID, "issuer keys must be EC or RSA, not " + key.getAlgorithm());
  }

  private AuthorityKeyIdentifier authorityKeyId(X509Certificate issuer) {
    byte[] extension = issuer.getExtensionValue(Extension.subjectKeyIdentifier.getId());
    if (extension != null) {
      byte[] keyId =
          SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(extension).getOctets())
              .getKeyIdentifier();
      return new AuthorityKeyIdentifier(keyId);
    }
    return extensionUtils.createAuthorityKeyIdentifier(issuer.getPublicKey());
  }

  private static KeyUsage keyUsage(CertificateProfile profile, PublicKey publicKey) {
    if (profile == CertificateProfile.TLS && "RSA".equals(publicKey.getAlgorithm())) {
      return new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment);
    }
    return new KeyUsage(KeyUsage.digitalSignature);
  }

  /** The request's DNS names and IP addresses, or null if it names none. */
  static GeneralNames subjectAlternativeNames(CertificateRequest request) {
    return subjectAlternativeNames(request.dnsNames(), request.ipAddresses());
  }

  private static GeneralNames subjectAlternativeNames(
      List<String> dnsNames, List<InetAddress> ipAddresses) {
    List<GeneralName> names = new ArrayList<>();
    for (String dns : dnsNames) {
      names.add(new GeneralName(GeneralName.dNSName, dns));
    }
    for (InetAddress address : ipAddresses) {
      names.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress())));
    }
    return names.isEmpty() ? null : new GeneralNames(names.toArray(new GeneralName[0]));
  }

  private static CaException encodingFailure(IOException e) {
    return new CaException(CaError.STORAGE_FAILURE, "cannot encode an extension: " + e, e);
  }
}
