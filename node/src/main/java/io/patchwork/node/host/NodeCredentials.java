package io.patchwork.node.host;

import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Role;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.net.NodeTransport;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.X509TrustManager;

/** A node's identities, as issued for it, and the signing key behind its signer. */
record NodeCredentials(
    String nodeId,
    String mspId,
    NodeSigner signer,
    PrivateKey signingKey,
    NodeTransport.TlsIdentity tls) {

  /**
   * New signing and TLS credentials for a node, each with its own new key; the TLS certificate
   * names the address the node is reached at (and, for a loopback address, {@code localhost} and
   * the loopback IP as well).
   */
  static NodeCredentials issue(
      CertificateAuthority authority,
      String nodeId,
      Role role,
      String organization,
      String mspId,
      NodeAddresses addresses,
      X509TrustManager trust)
      throws CaException {
    List<X509Certificate> chain = authority.chain();
    IssuedCredential signing =
        authority.issueWithNewKey(CertificateRequest.signing(nodeId, role, organization, mspId));
    IssuedCredential tls =
        authority.issueWithNewKey(
            CertificateRequest.tls(
                nodeId,
                role,
                organization,
                mspId,
                NodeAddresses.certifiedNames(addresses.advertised()),
                NodeAddresses.certifiedIps(addresses.advertised())));
    return new NodeCredentials(
        nodeId,
        mspId,
        NodeSigner.of(mspId, signing.certificate().certificate(), signing.privateKey()),
        signing.privateKey(),
        new NodeTransport.TlsIdentity(
            tls.certificate().certificate(),
            chain.subList(0, chain.size() - 1),
            tls.privateKey(),
            trust));
  }

  /** Certificates made elsewhere for keys made here, keeping this node's id, member and trust. */
  NodeCredentials with(
      X509Certificate signing,
      PrivateKey signingKey,
      List<X509Certificate> tlsChain,
      PrivateKey tlsKey) {
    return new NodeCredentials(
        nodeId,
        mspId,
        NodeSigner.of(mspId, signing, signingKey),
        signingKey,
        new NodeTransport.TlsIdentity(
            tlsChain.get(0),
            List.copyOf(tlsChain.subList(1, tlsChain.size())),
            tlsKey,
            tls.trust()));
  }

  /**
   * Signs and presents renewals of this node's certificates for the same keys from now on, in the
   * running node too (its signer and TLS identity are the ones it uses).
   *
   * @throws IllegalArgumentException if a renewal certifies another key
   */
  void renew(Optional<X509Certificate> signing, Optional<X509Certificate> tlsCertificate) {
    signing.ifPresent(signer::renew);
    tlsCertificate.ifPresent(renewed -> tls.renew(renewed, tls.chain()));
  }

  NodeLauncher.NodeIdentity identity() {
    return new NodeLauncher.NodeIdentity(nodeId, signer, tls);
  }

  /** The files {@code patchwork node run} reads: signing and TLS certificates with their keys. */
  NodeFiles.Credentials files() {
    List<X509Certificate> tlsChain = new ArrayList<>();
    tlsChain.add(tls.certificate());
    tlsChain.addAll(tls.chain());
    return new NodeFiles.Credentials(signer.certificate(), signingKey, tlsChain, tls.privateKey());
  }
}
