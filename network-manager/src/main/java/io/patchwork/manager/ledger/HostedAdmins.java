package io.patchwork.manager.ledger;

import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.HostedKeys;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.patchwork.node.crypto.NodeSigner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Admin identities members chose to keep with the manager, so that it signs their proposals and
 * ballots for them: one per member organisation and ledger, its key encrypted with the manager's
 * passphrase ({@link HostedKeys}), its certificate beside it. A member that keeps its own admin key
 * never needs this.
 */
public final class HostedAdmins {
  private final Path directory;
  private final HostedKeys keys;

  public HostedAdmins(Path directory, HostedKeys keys) {
    this.directory = directory;
    this.keys = keys;
  }

  /** Issues an admin identity for the member from the ledger's authority and keeps it. */
  public IssuedCredential create(
      CertificateAuthority authority, String ledgerId, String organization, String mspId)
      throws CaException, IOException {
    IssuedCredential admin =
        authority.issueWithNewKey(
            CertificateRequest.signing("hosted-admin", Role.ADMIN, organization, mspId));
    String name = name(ledgerId, mspId);
    keys.store(name, admin.privateKey(), authority.chain());
    writeCertificate(name, admin.certificate().certificate());
    return admin;
  }

  /** The certificate of the admin identity the member keeps here, if it keeps one. */
  public Optional<X509Certificate> certificate(String ledgerId, String mspId) throws IOException {
    Path file = directory.resolve(name(ledgerId, mspId) + ".pem");
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(
          Pem.readCertificates(Files.readString(file, StandardCharsets.US_ASCII)).get(0));
    } catch (CertificateException | IndexOutOfBoundsException e) {
      throw new IOException(file + " holds no certificate", e);
    }
  }

  /**
   * Signs for the member from now on with {@code renewed}: its admin certificate renewed for the
   * same key.
   *
   * @throws IllegalArgumentException if it certifies another key
   */
  public void replaceCertificate(String ledgerId, String mspId, X509Certificate renewed)
      throws IOException {
    X509Certificate current =
        certificate(ledgerId, mspId)
            .orElseThrow(() -> new IOException(mspId + " keeps no admin identity here"));
    if (!Arrays.equals(current.getPublicKey().getEncoded(), renewed.getPublicKey().getEncoded())) {
      throw new IllegalArgumentException("the renewal certifies another key than the admin's");
    }
    writeCertificate(name(ledgerId, mspId), renewed);
  }

  private void writeCertificate(String name, X509Certificate certificate) throws IOException {
    Files.createDirectories(directory);
    Path fresh = directory.resolve(name + ".pem.new");
    Files.writeString(fresh, Pem.certificate(certificate), StandardCharsets.US_ASCII);
    Files.move(
        fresh,
        directory.resolve(name + ".pem"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  /** The signer of the admin identity the member keeps here, if it keeps one. */
  public Optional<NodeSigner> signer(String ledgerId, String mspId)
      throws CaException, IOException {
    String name = name(ledgerId, mspId);
    Path certificate = directory.resolve(name + ".pem");
    if (!Files.exists(certificate) || !keys.contains(name)) {
      return Optional.empty();
    }
    List<X509Certificate> certificates;
    try {
      certificates = Pem.readCertificates(Files.readString(certificate, StandardCharsets.US_ASCII));
    } catch (CertificateException e) {
      throw new IOException(certificate + " holds no certificate", e);
    }
    return Optional.of(NodeSigner.of(mspId, certificates.get(0), keys.read(name)));
  }

  private static String name(String ledgerId, String mspId) {
    return ledgerId + "." + mspId;
  }
}
