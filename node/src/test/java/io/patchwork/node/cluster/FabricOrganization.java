package io.patchwork.node.cluster;

import com.google.protobuf.ByteString;
import io.patchwork.ca.CertificateProfile;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * An organisation of an existing Fabric network, made as Fabric's {@code cryptogen} lays one out: a
 * signing CA ({@code ca.<domain>}) and a TLS CA ({@code tlsca.<domain>}) of its own, identities
 * whose subjects name their role in the OU (NodeOUs) and no Patchwork MSP attribute, and a CRL of
 * each CA.
 */
public final class FabricOrganization {
  private static final SecureRandom RANDOM = new SecureRandom();

  final String mspId;
  final String domain;
  private final KeyPair caKey;
  private final X509Certificate ca;
  private final KeyPair tlsCaKey;
  private final X509Certificate tlsCa;
  private final List<ByteString> crls;

  private FabricOrganization(String mspId, String domain) throws Exception {
    this.mspId = mspId;
    this.domain = domain;
    this.caKey = p256();
    this.ca = authority("ca." + domain, caKey);
    this.tlsCaKey = p256();
    this.tlsCa = authority("tlsca." + domain, tlsCaKey);
    this.crls = List.of(crl(ca, caKey), crl(tlsCa, tlsCaKey));
  }

  public static FabricOrganization create(String mspId, String domain) throws Exception {
    return new FabricOrganization(mspId, domain);
  }

  /** The root of its signing CA. */
  public X509Certificate caCertificate() {
    return ca;
  }

  ByteString caPem() {
    return pem(ca);
  }

  ByteString tlsCaPem() {
    return pem(tlsCa);
  }

  /** The CRLs of both its CAs, PEM-encoded as Fabric's crls/ folders hold them. */
  List<ByteString> pemCrls() {
    List<ByteString> pem = new ArrayList<>();
    for (ByteString der : crls()) {
      pem.add(
          ByteString.copyFromUtf8(
              "-----BEGIN X509 CRL-----\n"
                  + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                      .encodeToString(der.toByteArray())
                  + "\n-----END X509 CRL-----\n"));
    }
    return pem;
  }

  /** The CRLs of both its CAs, revoking nothing (DER). */
  List<ByteString> crls() {
    return crls;
  }

  /**
   * A user as cryptogen makes one ({@code Admin@<domain>} with OU=admin, {@code User1@<domain>}
   * with OU=client): its signing identity from the CA and its TLS client identity from the TLS CA.
   */
  public Cluster.Client user(String name, Role role) throws Exception {
    String commonName = name + "@" + domain;
    KeyPair signingKey = p256();
    X509Certificate signing =
        leaf(
            "C=US,ST=California,L=San Francisco,OU="
                + role.organizationalUnit()
                + ",CN="
                + commonName,
            signingKey,
            ca,
            caKey,
            false);
    KeyPair tlsKey = p256();
    X509Certificate tls =
        leaf("C=US,ST=California,L=San Francisco,CN=" + commonName, tlsKey, tlsCa, tlsCaKey, true);
    return new Cluster.Client(
        mspId,
        new IssuedCredential(
            issued(signing, role, CertificateProfile.SIGNING, commonName), signingKey.getPrivate()),
        new IssuedCredential(
            issued(tls, role, CertificateProfile.TLS, commonName), tlsKey.getPrivate()));
  }

  private IssuedCertificate issued(
      X509Certificate certificate, Role role, CertificateProfile profile, String commonName) {
    return new IssuedCertificate(
        certificate.getSerialNumber(),
        certificate,
        role,
        profile,
        domain,
        mspId,
        commonName,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        Optional.empty());
  }

  private X509Certificate authority(String commonName, KeyPair key) throws Exception {
    X500Name name =
        new X500Name("C=US,ST=California,L=San Francisco,O=" + domain + ",CN=" + commonName);
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            name,
            new BigInteger(128, RANDOM),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(3650))),
            name,
            key.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    builder.addExtension(
        Extension.keyUsage,
        true,
        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature));
    return sign(builder, key);
  }

  private static X509Certificate leaf(
      String subject, KeyPair key, X509Certificate issuer, KeyPair issuerKey, boolean tls)
      throws Exception {
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
            issuer,
            new BigInteger(128, RANDOM),
            Date.from(now.minus(Duration.ofHours(1))),
            Date.from(now.plus(Duration.ofDays(365))),
            new X500Name(subject),
            key.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    if (tls) {
      builder.addExtension(
          Extension.extendedKeyUsage,
          false,
          new ExtendedKeyUsage(
              new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth, KeyPurposeId.id_kp_serverAuth}));
    }
    return sign(builder, issuerKey);
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder builder, KeyPair key)
      throws Exception {
    return new JcaX509CertificateConverter()
        .getCertificate(
            builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
  }

  private static ByteString crl(X509Certificate issuer, KeyPair key) throws Exception {
    Instant now = Instant.now();
    X509v2CRLBuilder builder =
        new X509v2CRLBuilder(
            X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
            Date.from(now.minusSeconds(60)));
    builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(30))));
    return ByteString.copyFrom(
        new JcaX509CRLConverter()
            .getCRL(
                builder.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())))
            .getEncoded());
  }

  private static KeyPair p256() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return generator.generateKeyPair();
  }

  private static ByteString pem(X509Certificate certificate) {
    return ByteString.copyFrom(Pem.certificate(certificate), StandardCharsets.US_ASCII);
  }
}
