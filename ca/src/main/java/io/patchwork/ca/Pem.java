package io.patchwork.ca;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemReader;

/** PEM text for certificates, CRLs and private keys, as Fabric and openssl read them. */
public final class Pem {
  private Pem() {}

  /** One {@code CERTIFICATE} block per certificate, in order: a bundle. */
  public static String certificates(List<X509Certificate> certificates) {
    return write(certificates.toArray());
  }

  /** One {@code CERTIFICATE} block. */
  public static String certificate(X509Certificate certificate) {
    return write(certificate);
  }

  /** One {@code X509 CRL} block. */
  public static String crl(X509CRL crl) {
    return write(crl);
  }

  /**
   * An unencrypted PKCS#8 {@code PRIVATE KEY} block, the form Fabric keeps in {@code keystore/}.
   * Write it only to a file of mode 0600.
   */
  public static String privateKey(PrivateKey key) {
    try {
      return write(new JcaPKCS8Generator(key, null).generate());
    } catch (IOException e) {
      throw new IllegalArgumentException("the private key cannot be encoded as PKCS#8", e);
    }
  }

  /** One {@code CERTIFICATE REQUEST} block for a DER-encoded PKCS#10 request ({@link Csr}). */
  public static String certificateRequest(byte[] der) {
    return write(new PemObject("CERTIFICATE REQUEST", der));
  }

  /**
   * The DER bytes of the first {@code CERTIFICATE REQUEST} block of a PEM text.
   *
   * @throws IllegalArgumentException if the text holds no such block
   */
  public static byte[] readCertificateRequest(String pem) {
    return block(pem, "CERTIFICATE REQUEST")
        .orElseThrow(
            () -> new IllegalArgumentException("the PEM text holds no certificate request"));
  }

  /**
   * The key of the first unencrypted PKCS#8 {@code PRIVATE KEY} block of a PEM text, the form
   * {@link #privateKey} writes and Fabric MSP folders keep in {@code keystore/}.
   *
   * @throws GeneralSecurityException if the text holds no such block or it is not an EC key
   */
  public static PrivateKey readPrivateKey(String pem) throws GeneralSecurityException {
    byte[] der;
    try {
      der =
          block(pem, "PRIVATE KEY")
              .orElseThrow(
                  () ->
                      new GeneralSecurityException(
                          "the PEM text holds no unencrypted PKCS#8 private key"));
    } catch (IllegalArgumentException e) {
      throw new GeneralSecurityException(e.getMessage(), e);
    }
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  /** The DER content of the first block of {@code type}, if the text holds one. */
  private static Optional<byte[]> block(String pem, String type) {
    try (PemReader reader = new PemReader(new StringReader(pem))) {
      for (PemObject object = reader.readPemObject();
          object != null;
          object = reader.readPemObject()) {
        if (object.getType().equals(type)) {
          return Optional.of(object.getContent());
        }
      }
      return Optional.empty();
    } catch (IOException e) {
      throw new IllegalArgumentException("the text is not PEM: " + e.getMessage(), e);
    }
  }

  /**
   * The certificates of a PEM bundle.
   *
   * @throws CertificateException if the text holds no certificate or a damaged one
   */
  public static List<X509Certificate> readCertificates(String pem) throws CertificateException {
    List<X509Certificate> certificates =
        CertificateFactory.getInstance("X.509")
            .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
            .stream()
            .map(X509Certificate.class::cast)
            .toList();
    if (certificates.isEmpty()) {
      throw new CertificateException("the PEM text holds no certificate");
    }
    return certificates;
  }

  /** The CRL of a PEM block. */
  public static X509CRL readCrl(String pem) throws CertificateException, CRLException {
    return (X509CRL)
        CertificateFactory.getInstance("X.509")
            .generateCRL(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }

  private static String write(Object... objects) {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode as PEM: " + e.getMessage(), e);
    }
    return text.toString();
  }
}
