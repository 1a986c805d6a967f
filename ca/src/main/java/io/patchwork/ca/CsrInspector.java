package io.patchwork.ca;

import java.io.IOException;
import java.io.StringReader;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1String;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x500.AttributeTypeAndValue;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.DefaultDigestAlgorithmIdentifierFinder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcECContentVerifierProviderBuilder;
import org.bouncycastle.operator.bc.BcRSAContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * Reads a PKCS#10 request and checks everything about it that does not depend on who sends it:
 * size, encoding, proof of possession, signature algorithm, key type and size, and the shape of its
 * subject. Thread-safe: it holds no mutable state.
 */
final class CsrInspector {
  static final int MIN_RSA_BITS = 2048;
  static final int MAX_RSA_BITS = 8192;

  private static final Map<ASN1ObjectIdentifier, String> CURVES =
      Map.of(
          SECObjectIdentifiers.secp256r1, "P-256",
          SECObjectIdentifiers.secp384r1, "P-384");

  private static final List<ASN1ObjectIdentifier> SIGNATURE_ALGORITHMS =
      List.of(
          X9ObjectIdentifiers.ecdsa_with_SHA256,
          X9ObjectIdentifiers.ecdsa_with_SHA384,
          X9ObjectIdentifiers.ecdsa_with_SHA512,
          PKCSObjectIdentifiers.sha256WithRSAEncryption,
          PKCSObjectIdentifiers.sha384WithRSAEncryption,
          PKCSObjectIdentifiers.sha512WithRSAEncryption);

  private static final List<ASN1ObjectIdentifier> SUBJECT_ATTRIBUTES =
      List.of(BCStyle.CN, BCStyle.OU, BCStyle.O, BCStyle.ORGANIZATION_IDENTIFIER);

  private static final DefaultDigestAlgorithmIdentifierFinder DIGESTS =
      new DefaultDigestAlgorithmIdentifierFinder();

  private final JcaPEMKeyConverter keyConverter =
      new JcaPEMKeyConverter().setProvider(Crypto.PROVIDER);

  /**
   * What a well-formed CSR asks for. Absent subject attributes are empty.
   *
   * @param ous the organisational units, in order
   */
  record Contents(
      PublicKey publicKey,
      Optional<String> commonName,
      List<String> ous,
      Optional<String> organisation,
      Optional<String> mspId,
      List<String> dnsNames,
      List<InetAddress> ipAddresses) {}

  Contents inspect(byte[] encoded) throws CaException {
    if (encoded.length > CsrSubmission.MAX_BYTES) {
      throw new CaException(
          CaError.CSR_TOO_LARGE,
          "the CSR has "
              + encoded.length
              + " bytes; at most "
              + CsrSubmission.MAX_BYTES
              + " are accepted");
    }
    PKCS10CertificationRequest csr = parse(encoded);
    checkSignatureAlgorithm(csr);
    SubjectPublicKeyInfo keyInfo = csr.getSubjectPublicKeyInfo();
    checkKey(keyInfo);
    PublicKey publicKey = verifyProofOfPossession(csr, keyInfo);
    return subjectAndNames(csr, publicKey);
  }

  private static PKCS10CertificationRequest parse(byte[] encoded) throws CaException {
    try {
      if (startsWithPem(encoded)) {
        try (PEMParser parser =
            new PEMParser(new StringReader(new String(encoded, StandardCharsets.US_ASCII)))) {
          Object object = parser.readObject();
          if (object instanceof PKCS10CertificationRequest csr && parser.readObject() == null) {
            return csr;
          }
          throw new CaException(
              CaError.MALFORMED_CSR, "the PEM text must hold exactly one CERTIFICATE REQUEST");
        }
      }
      return new PKCS10CertificationRequest(encoded);
    } catch (IOException | RuntimeException e) {
      throw new CaException(
          CaError.MALFORMED_CSR, "the CSR is not a PKCS#10 request in DER or PEM", e);
    }
  }

  private static boolean startsWithPem(byte[] encoded) {
    String start =
        new String(encoded, 0, Math.min(encoded.length, 64), StandardCharsets.US_ASCII).strip();
    return start.startsWith("-----BEGIN");
  }

  private static void checkSignatureAlgorithm(PKCS10CertificationRequest csr) throws CaException {
    ASN1ObjectIdentifier algorithm = csr.getSignatureAlgorithm().getAlgorithm();
    if (!SIGNATURE_ALGORITHMS.contains(algorithm)) {
      throw new CaException(
          CaError.CSR_SIGNATURE_INVALID,
          "the CSR is signed with algorithm "
              + algorithm.getId()
              + "; only ECDSA or RSA PKCS#1 v1.5 with SHA-256, SHA-384 or SHA-512 are accepted");
    }
  }

  private static void checkKey(SubjectPublicKeyInfo keyInfo) throws CaException {
    ASN1ObjectIdentifier algorithm = keyInfo.getAlgorithm().getAlgorithm();
    if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
      ASN1Encodable parameters = keyInfo.getAlgorithm().getParameters();
      if (!(parameters instanceof ASN1ObjectIdentifier curve) || !CURVES.containsKey(curve)) {
        throw new CaException(
            CaError.KEY_NOT_ALLOWED,
            "EC keys must be on the named curve P-256 or P-384, not "
                + (parameters instanceof ASN1ObjectIdentifier oid
                    ? "curve " + oid.getId()
                    : "explicit curve parameters"));
      }
      X9ECParameters curveParameters = ECNamedCurveTable.getByOID(curve);
      try {
        curveParameters.getCurve().decodePoint(keyInfo.getPublicKeyData().getOctets());
      } catch (RuntimeException e) {
        throw new CaException(
            CaError.KEY_NOT_ALLOWED, "the CSR's EC public key is not a point on its curve", e);
      }
      return;
    }
    if (PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
      BigInteger modulus;
      try {
        modulus = RSAPublicKey.getInstance(keyInfo.parsePublicKey()).getModulus();
      } catch (IOException | RuntimeException e) {
        throw new CaException(CaError.MALFORMED_CSR, "the CSR's RSA public key is malformed", e);
      }
      int bits = modulus.bitLength();
      if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
        throw new CaException(
            CaError.KEY_NOT_ALLOWED,
            "RSA keys must have "
                + MIN_RSA_BITS
                + " to "
                + MAX_RSA_BITS
                + " bits; this one has "
                + bits);
      }
      return;
    }
    throw new CaException(
        CaError.KEY_NOT_ALLOWED,
        "keys of algorithm " + algorithm.getId() + " are not certified; use EC P-256 or P-384");
  }

  private PublicKey verifyProofOfPossession(
      PKCS10CertificationRequest csr, SubjectPublicKeyInfo keyInfo) throws CaException {
    PublicKey publicKey;
    try {
      publicKey = keyConverter.getPublicKey(keyInfo);
    } catch (IOException | RuntimeException e) {
      throw new CaException(CaError.MALFORMED_CSR, "the CSR's public key cannot be decoded", e);
    }
    boolean valid;
    try {
      valid = csr.isSignatureValid(verifier(keyInfo));
    } catch (IOException | OperatorCreationException | PKCSException | RuntimeException e) {
      valid = false;
    }
    if (!valid) {
      throw new CaException(
          CaError.CSR_SIGNATURE_INVALID,
          "the CSR's signature does not verify with its public key (no proof of possession)");
    }
    return publicKey;
  }

  /**
   * A verifier on Bouncy Castle's lightweight API: it skips the JCA provider lookups, which cost as
   * much as the ECDSA verification itself (about 0.45 ms against 0.24 ms per CSR).
   */
  private static ContentVerifierProvider verifier(SubjectPublicKeyInfo keyInfo)
      throws IOException, OperatorCreationException {
    AsymmetricKeyParameter key = PublicKeyFactory.createKey(keyInfo);
    return key instanceof RSAKeyParameters
        ? new BcRSAContentVerifierProviderBuilder(DIGESTS).build(key)
        : new BcECContentVerifierProviderBuilder(DIGESTS).build(key);
  }

  private static Contents subjectAndNames(PKCS10CertificationRequest csr, PublicKey publicKey)
      throws CaException {
    X500Name subject = csr.getSubject();
    String commonName = null;
    String organisation = null;
    String mspId = null;
    List<String> ous = new ArrayList<>();
    for (RDN rdn : subject.getRDNs()) {
      if (rdn.isMultiValued()) {
        throw subjectError("the CSR subject must not have multi-valued components");
      }
      AttributeTypeAndValue attribute = rdn.getFirst();
      ASN1ObjectIdentifier type = attribute.getType();
      if (!SUBJECT_ATTRIBUTES.contains(type)) {
        throw subjectError(
            "the CSR subject may name only CN, OU, O and organizationIdentifier; it names "
                + BCStyle.INSTANCE.oidToDisplayName(type)
                + " ("
                + type.getId()
                + ")");
      }
      String value = text(attribute.getValue());
      if (type.equals(BCStyle.OU)) {
        ous.add(value);
      } else if (type.equals(BCStyle.CN)) {
        commonName = once("CN", commonName, value);
      } else if (type.equals(BCStyle.O)) {
        organisation = once("O", organisation, value);
      } else {
        mspId = once("organizationIdentifier", mspId, value);
      }
    }
    List<String> dnsNames = new ArrayList<>();
    List<InetAddress> ipAddresses = new ArrayList<>();
    Extensions extensions = csr.getRequestedExtensions();
    if (extensions != null) {
      GeneralNames names =
          GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
      if (names != null) {
        for (GeneralName name : names.getNames()) {
          addAlternativeName(name, dnsNames, ipAddresses);
        }
      }
    }
    return new Contents(
        publicKey,
        Optional.ofNullable(commonName),
        List.copyOf(ous),
        Optional.ofNullable(organisation),
        Optional.ofNullable(mspId),
        List.copyOf(dnsNames),
        List.copyOf(ipAddresses));
  }

  private static void addAlternativeName(
      GeneralName name, List<String> dnsNames, List<InetAddress> ipAddresses) throws CaException {
    if (name.getTagNo() == GeneralName.dNSName) {
      dnsNames.add(text(name.getName()));
    } else if (name.getTagNo() == GeneralName.iPAddress) {
      byte[] octets = ASN1OctetString.getInstance(name.getName()).getOctets();
      try {
        ipAddresses.add(InetAddress.getByAddress(octets));
      } catch (UnknownHostException e) {
        throw subjectError("the CSR names an IP address of " + octets.length + " bytes");
      }
    } else {
      throw subjectError(
          "the CSR asks for an alternative name of type "
              + name.getTagNo()
              + "; only DNS names and IP addresses are certified");
    }
  }

  private static String text(ASN1Encodable value) throws CaException {
    if (value instanceof ASN1String string) {
      return string.getString();
    }
    throw subjectError("the CSR subject holds a value that is not a string");
  }

  private static String once(String attribute, String previous, String value) throws CaException {
    if (previous != null) {
      throw subjectError("the CSR subject names " + attribute + " more than once");
    }
    return value;
  }

  private static CaException subjectError(String message) {
    return new CaException(CaError.SUBJECT_MISMATCH, message);
  }
}
