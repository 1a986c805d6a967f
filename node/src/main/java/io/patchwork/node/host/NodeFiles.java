package io.patchwork.node.host;

import io.patchwork.ca.CaException;
import io.patchwork.ca.KeySeal;
import io.patchwork.ca.MspBundle;
import io.patchwork.ca.Pem;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.net.NodeTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.X509TrustManager;

/**
 * The file layout a node's credentials are kept in — the folder a standalone node is started from
 * ({@code patchwork node run}) and the one the network manager keeps for each node it hosts — and
 * the one reader and writer of it.
 *
 * <pre>
 * genesis.block            the ledger's genesis block (a standalone node's folder only)
 * msp/signcerts/cert.pem   the node's signing certificate (a Fabric MSP folder)
 * msp/keystore/priv_sk     its private key, PKCS#8 PEM, unencrypted, readable by its owner only
 * tls/cert.pem             the node's TLS certificate, then the chain above it
 * tls/key.pem              its private key, readable by its owner only
 * </pre>
 */
public final class NodeFiles {
  public static final String GENESIS = "genesis.block";
  public static final String MSP = "msp";
  public static final String SIGNING_CERTIFICATE = "signcerts/cert.pem";
  public static final String SIGNING_KEY = "keystore/priv_sk";
  public static final String TLS = "tls";
  public static final String TLS_CERTIFICATE = "cert.pem";
  public static final String TLS_KEY = "key.pem";

  private NodeFiles() {}

  /**
   * A node's two identities as kept on disk: signing certificate and key, TLS certificate (first)
   * with the chain above it, and TLS key.
   */
  public record Credentials(
      X509Certificate signingCertificate,
      PrivateKey signingKey,
      List<X509Certificate> tlsChain,
      PrivateKey tlsKey) {
    public Credentials {
      Objects.requireNonNull(signingCertificate, "signingCertificate");
      Objects.requireNonNull(signingKey, "signingKey");
      tlsChain = List.copyOf(tlsChain);
      if (tlsChain.isEmpty()) {
        throw new IllegalArgumentException("a TLS chain holds at least the node's certificate");
      }
      Objects.requireNonNull(tlsKey, "tlsKey");
    }

    public X509Certificate tlsCertificate() {
      return tlsChain.get(0);
    }

    /**
     * The node's signing and TLS identities for {@code mspId}, its TLS trusting what {@code trust}
     * trusts.
     */
    NodeLauncher.NodeIdentity identity(String nodeId, String mspId, X509TrustManager trust) {
      return new NodeLauncher.NodeIdentity(
          nodeId,
          NodeSigner.of(mspId, signingCertificate, signingKey),
          new NodeTransport.TlsIdentity(
              tlsChain.get(0), tlsChain.subList(1, tlsChain.size()), tlsKey, trust));
    }
  }

  /**
   * Writes {@code msp/} (with the authority's chain in {@code cacerts/} and {@code
   * intermediatecerts/}) and {@code tls/} under {@code directory}, which must not exist. Keys are
   * created readable by their owner only.
   */
  public static void write(
      Path directory, List<X509Certificate> authorityChain, Credentials credentials)
      throws IOException {
    write(directory, authorityChain, credentials, Optional.empty());
  }

  /**
   * As {@link #write(Path, List, Credentials)}, the two keys sealed with {@code seal} when given
   * (for the manager's own nodes: {@link KeySeal}, the key store passphrase), in the clear for a
   * folder {@code patchwork node run} is handed.
   */
  public static void write(
      Path directory,
      List<X509Certificate> authorityChain,
      Credentials credentials,
      Optional<KeySeal> seal)
      throws IOException {
    if (Files.exists(directory)) {
      throw new FileAlreadyExistsException(directory.toString());
    }
    Files.createDirectories(directory);
    new MspBundle(
            authorityChain,
            credentials.signingCertificate(),
            seal.isPresent() ? Optional.empty() : Optional.of(credentials.signingKey()),
            Optional.empty())
        .writeTo(directory.resolve(MSP));
    if (seal.isPresent()) {
      Path keystore =
          Files.createDirectories(
              directory.resolve(MSP).resolve(SIGNING_KEY).getParent(),
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      writeKey(
          keystore.resolve(Path.of(SIGNING_KEY).getFileName()),
          sealed(seal.get(), credentials.signingKey(), SIGNING_LABEL));
    }
    Path tls = Files.createDirectories(directory.resolve(TLS));
    Files.writeString(
        tls.resolve(TLS_CERTIFICATE),
        Pem.certificates(credentials.tlsChain()),
        StandardCharsets.US_ASCII);
    writeKey(
        tls.resolve(TLS_KEY),
        seal.isPresent()
            ? sealed(seal.get(), credentials.tlsKey(), TLS_LABEL)
            : Pem.privateKey(credentials.tlsKey()));
  }

  private static final String SIGNING_LABEL = "signing";
  private static final String TLS_LABEL = "tls";

  private static String sealed(KeySeal seal, PrivateKey key, String label) throws IOException {
    try {
      return seal.seal(key, label);
    } catch (CaException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  private static void writeKey(Path file, String pem) throws IOException {
    Path key =
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(key, pem, StandardCharsets.US_ASCII);
  }

  /** Reads what {@link #write} wrote: from an MSP folder and a TLS folder. */
  public static Credentials read(Path msp, Path tls) throws IOException, GeneralSecurityException {
    return new Credentials(
        certificates(msp.resolve(SIGNING_CERTIFICATE)).get(0),
        readPrivateKey(msp.resolve(SIGNING_KEY)),
        certificates(tls.resolve(TLS_CERTIFICATE)),
        readPrivateKey(tls.resolve(TLS_KEY)));
  }

  /** A signing identity from a Fabric MSP folder: its certificate and private key. */
  public record Signing(X509Certificate certificate, PrivateKey key) {}

  /** Reads the signing identity of a Fabric MSP folder (signcerts/cert.pem, keystore/priv_sk). */
  public static Signing readSigning(Path msp) throws IOException, GeneralSecurityException {
    return new Signing(
        certificates(msp.resolve(SIGNING_CERTIFICATE)).get(0),
        readPrivateKey(msp.resolve(SIGNING_KEY)));
  }

  /** Reads the credentials of a folder laid out as {@link #write} lays it out. */
  public static Credentials read(Path directory) throws IOException, GeneralSecurityException {
    return read(directory.resolve(MSP), directory.resolve(TLS));
  }

  /**
   * Reads the credentials of a folder {@link #write} wrote, opening sealed keys with {@code seal}
   * (keys in the clear are read as they are: folders written before keys were sealed).
   *
   * @throws GeneralSecurityException if a key is sealed and no seal is given, or it does not open
   */
  public static Credentials read(Path directory, Optional<KeySeal> seal)
      throws IOException, GeneralSecurityException {
    Path msp = directory.resolve(MSP);
    Path tls = directory.resolve(TLS);
    return new Credentials(
        certificates(msp.resolve(SIGNING_CERTIFICATE)).get(0),
        readPrivateKey(msp.resolve(SIGNING_KEY), seal, SIGNING_LABEL),
        certificates(tls.resolve(TLS_CERTIFICATE)),
        readPrivateKey(tls.resolve(TLS_KEY), seal, TLS_LABEL));
  }

  private static PrivateKey readPrivateKey(Path file, Optional<KeySeal> seal, String label)
      throws IOException, GeneralSecurityException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    if (!KeySeal.isSealed(pem)) {
      return readPrivateKey(file);
    }
    if (seal.isEmpty()) {
      throw new GeneralSecurityException(
          file + " is sealed with the network manager's key store passphrase");
    }
    try {
      return seal.get().unseal(pem, label);
    } catch (CaException e) {
      throw new GeneralSecurityException(file + ": " + e.getMessage(), e);
    }
  }

  private static List<X509Certificate> certificates(Path file)
      throws IOException, CertificateException {
    List<X509Certificate> certificates =
        new ArrayList<>(Pem.readCertificates(Files.readString(file, StandardCharsets.US_ASCII)));
    if (certificates.isEmpty()) {
      throw new CertificateException(file + " holds no certificate");
    }
    return certificates;
  }

  /** Reads an unencrypted PKCS#8 EC private key from a PEM file ({@link Pem#readPrivateKey}). */
  public static PrivateKey readPrivateKey(Path file) throws IOException, GeneralSecurityException {
    try {
      return Pem.readPrivateKey(Files.readString(file, StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new GeneralSecurityException(file + ": " + e.getMessage(), e);
    }
  }
}
