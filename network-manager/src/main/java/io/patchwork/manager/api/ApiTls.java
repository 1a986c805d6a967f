package io.patchwork.manager.api;

import io.patchwork.ca.CaException;
import io.patchwork.ca.Pem;
import io.patchwork.ca.ServiceIdentity;
import io.patchwork.node.api.NodeAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The API's HTTPS identity: its certificate chain and key (PEM), and — when the service made them
 * itself — the authority clients trust ({@code --ca-file}). Clients may also pin the certificate's
 * SHA-256 {@link #fingerprint}.
 */
public record ApiTls(
    String certificateChainPem,
    String keyPem,
    X509Certificate certificate,
    Optional<X509Certificate> authority) {
  /** Under a self-issuing service's data directory: the authority, certificate and key. */
  public static final String AUTHORITY_FILE = "ca.pem";

  static final String CERTIFICATE_FILE = "cert.pem";
  static final String KEY_FILE = "key.pem";
  private static final Duration VALIDITY = Duration.ofDays(825);

  public ApiTls {
    Objects.requireNonNull(certificateChainPem, "certificateChainPem");
    Objects.requireNonNull(keyPem, "keyPem");
    Objects.requireNonNull(certificate, "certificate");
    Objects.requireNonNull(authority, "authority");
  }

  /**
   * The certificate chain (server certificate first) and unencrypted PKCS#8 key an operator gave.
   *
   * @throws IllegalArgumentException naming the file that holds no certificate or key
   */
  public static ApiTls fromFiles(Path certificateChain, Path key) throws IOException {
    return fromFiles(certificateChain, key, Optional.empty());
  }

  /**
   * As {@link #fromFiles(Path, Path)}, with the authority that issued it (and, in cluster mode,
   * every other instance's certificate), which forwarded requests trust.
   */
  public static ApiTls fromFiles(Path certificateChain, Path key, Optional<Path> authority)
      throws IOException {
    ApiTls given = read(certificateChain, key);
    if (authority.isEmpty()) {
      return given;
    }
    try {
      List<X509Certificate> roots =
          Pem.readCertificates(Files.readString(authority.get(), StandardCharsets.US_ASCII));
      if (roots.isEmpty()) {
        throw new IllegalArgumentException(authority.get() + " holds no certificate");
      }
      return new ApiTls(
          given.certificateChainPem(),
          given.keyPem(),
          given.certificate(),
          Optional.of(roots.get(0)));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(authority.get() + ": not a PEM certificate: " + e);
    }
  }

  private static ApiTls read(Path certificateChain, Path key) throws IOException {
    String chain = Files.readString(certificateChain, StandardCharsets.US_ASCII);
    String keyText = Files.readString(key, StandardCharsets.US_ASCII);
    List<X509Certificate> certificates;
    try {
      certificates = Pem.readCertificates(chain);
      Pem.readPrivateKey(keyText);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          certificateChain + " / " + key + ": not a PEM certificate chain and PKCS#8 key: " + e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(certificateChain + " holds no certificate");
    }
    return new ApiTls(chain, keyText, certificates.get(0), Optional.empty());
  }

  /**
   * The service's own identity kept in {@code directory}: made once (an authority of its own and a
   * server certificate naming {@code names}), then reused as long as it still names all of them.
   */
  public static ApiTls selfIssued(Path directory, List<String> names)
      throws IOException, CaException {
    Path certificateFile = directory.resolve(CERTIFICATE_FILE);
    Path keyFile = directory.resolve(KEY_FILE);
    Path authorityFile = directory.resolve(AUTHORITY_FILE);
    if (Files.exists(certificateFile) && Files.exists(keyFile) && Files.exists(authorityFile)) {
      ApiTls kept = read(certificateFile, keyFile);
      if (names.stream().allMatch(name -> NodeAddresses.certifies(kept.certificate(), name))) {
        try {
          X509Certificate authority =
              Pem.readCertificates(Files.readString(authorityFile, StandardCharsets.US_ASCII))
                  .get(0);
          return new ApiTls(
              kept.certificateChainPem(),
              kept.keyPem(),
              kept.certificate(),
              Optional.of(authority));
        } catch (GeneralSecurityException e) {
          throw new IOException(authorityFile + " holds no certificate", e);
        }
      }
    }
    Set<String> dns = new LinkedHashSet<>();
    Set<InetAddress> ips = new LinkedHashSet<>();
    for (String name : names) {
      dns.addAll(NodeAddresses.certifiedNames(name));
      ips.addAll(NodeAddresses.certifiedIps(name));
    }
    ServiceIdentity identity =
        ServiceIdentity.issue(
            "Patchwork network manager API", List.copyOf(dns), List.copyOf(ips), VALIDITY);
    Files.createDirectories(directory);
    String chain = Pem.certificates(List.of(identity.certificate(), identity.authority()));
    write(certificateFile, chain, false);
    write(keyFile, Pem.privateKey(identity.key()), true);
    write(authorityFile, Pem.certificate(identity.authority()), false);
    return new ApiTls(
        chain,
        Pem.privateKey(identity.key()),
        identity.certificate(),
        Optional.of(identity.authority()));
  }

  /** The server certificate's SHA-256 fingerprint (upper-case hex pairs joined by colons). */
  public String fingerprint() {
    return ServiceIdentity.fingerprint(certificate);
  }

  private static void write(Path file, String text, boolean secret) throws IOException {
    Path fresh = file.resolveSibling(file.getFileName() + ".new");
    Files.deleteIfExists(fresh);
    if (secret) {
      Files.createFile(
          fresh,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    }
    Files.writeString(fresh, text, StandardCharsets.US_ASCII);
    Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
