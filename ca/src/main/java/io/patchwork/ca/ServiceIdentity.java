package io.patchwork.ca;

import java.net.InetAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;

/**
 * A TLS identity for a service that is not a ledger node — the network manager's HTTPS API: a
 * self-signed authority of its own and a server certificate it issued for the names the service is
 * reached at. Clients trust the authority ({@link #authority}, e.g. {@code --ca-file}) or pin the
 * server certificate's {@link #fingerprint}.
 */
public record ServiceIdentity(
    X509Certificate authority, X509Certificate certificate, PrivateKey key) {
  public ServiceIdentity {
    Objects.requireNonNull(authority, "authority");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(key, "key");
  }

  /**
   * A new authority (P-256) and a server certificate from it for {@code dnsNames} and {@code
   * ipAddresses}, both valid from now for {@code validity}.
   *
   * @throws IllegalArgumentException if no name or address is given
   */
  public static ServiceIdentity issue(
      String service, List<String> dnsNames, List<InetAddress> ipAddresses, Duration validity)
      throws CaException {
    if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
      throw new IllegalArgumentException("a server certificate names at least one host");
    }
    SecureRandom random = new SecureRandom();
    X509Factory factory = new X509Factory(random);
    Instant from = Instant.now().minusSeconds(60);
    Instant until = from.plus(validity);
    var authorityKey = Keys.newP256(random);
    X509Certificate authority =
        factory.root(
            authorityKey.getPublic(),
            authorityKey.getPrivate(),
            new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Patchwork")
                .addRDN(BCStyle.CN, service + " authority")
                .build(),
            from,
            until);
    var serverKey = Keys.newP256(random);
    X509Certificate server =
        factory.server(
            serverKey.getPublic(),
            new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Patchwork")
                .addRDN(BCStyle.CN, service)
                .build(),
            List.copyOf(dnsNames),
            List.copyOf(ipAddresses),
            authorityKey.getPrivate(),
            authority,
            from,
            until);
    return new ServiceIdentity(authority, server, serverKey.getPrivate());
  }

  /** The server certificate's SHA-256 fingerprint: upper-case hex pairs joined by colons. */
  public String fingerprint() {
    return fingerprint(certificate);
  }

  /** A certificate's SHA-256 fingerprint, as {@link #fingerprint()} writes it. */
  public static String fingerprint(X509Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
      throw new IllegalStateException("the certificate cannot be hashed", e);
    }
  }

  /** A fingerprint as a user may type it (any case, with or without colons), normalised. */
  public static String normalizedFingerprint(String given) {
    String hex = given.replace(":", "").strip().toUpperCase(Locale.ROOT);
    if (!hex.matches("[0-9A-F]{64}")) {
      throw new IllegalArgumentException("a SHA-256 fingerprint is 64 hex digits");
    }
    return HexFormat.ofDelimiter(":").withUpperCase().formatHex(HexFormat.of().parseHex(hex));
  }
}
