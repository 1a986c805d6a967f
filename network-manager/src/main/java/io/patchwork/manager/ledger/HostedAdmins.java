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
    Files.createDirectories(directory);
    Path fresh = directory.resolve(name + ".pem.new");
    Files.writeString(
        fresh, Pem.certificate(admin.certificate().certificate()), StandardCharsets.US_ASCII);
    Files.move(
        fresh,
        directory.resolve(name + ".pem"),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
    return admin;
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
