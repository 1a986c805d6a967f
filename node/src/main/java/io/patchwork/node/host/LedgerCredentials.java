package io.patchwork.node.host;

import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.Role;
import io.patchwork.ca.Subjects;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.net.NodeTransport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.X509TrustManager;
import org.hyperledger.fabric.protos.common.Block;

/**
 * Every node's credentials of an embedded ledger: in memory, and kept in its {@link
 * CredentialFolder} when it has one, so that what is issued or replaced survives a restart. Not
 * thread-safe: the ledger's lifecycle calls use it one at a time.
 */
final class LedgerCredentials {
  private final String ledgerId;
  private final Map<String, NodeCredentials> nodes;
  private final Map<String, String> organizations = new LinkedHashMap<>();
  private final List<X509Certificate> authorityChain;
  private final X509TrustManager trust;
  private final Optional<CredentialFolder> folder;
  private final NodeAddresses addresses;

  LedgerCredentials(
      String ledgerId,
      Map<String, NodeCredentials> nodes,
      List<Member> members,
      List<X509Certificate> authorityChain,
      X509TrustManager trust,
      Optional<CredentialFolder> folder,
      NodeAddresses addresses) {
    this.ledgerId = ledgerId;
    this.nodes = new LinkedHashMap<>(nodes);
    members.forEach(m -> organizations.put(m.getMspId(), m.getOrganization()));
    this.authorityChain = List.copyOf(authorityChain);
    this.trust = trust;
    this.folder = folder;
    this.addresses = addresses;
  }

  /** The ledger's trust roots, for clients connecting to its nodes. */
  X509TrustManager trust() {
    return trust;
  }

  boolean has(String nodeId) {
    return nodes.containsKey(nodeId);
  }

  /**
   * A node's credentials.
   *
   * @throws IllegalArgumentException if the ledger has no such node
   */
  NodeCredentials node(String nodeId) {
    NodeCredentials node = nodes.get(nodeId);
    if (node == null) {
      throw new IllegalArgumentException("ledger " + ledgerId + " has no node " + nodeId);
    }
    return node;
  }

  /** Issues and keeps a new peer's credentials for a member organisation. */
  NodeCredentials issuePeer(
      String nodeId, String organization, String mspId, CertificateAuthority authority)
      throws CaException, IOException {
    NodeCredentials node =
        NodeCredentials.issue(authority, nodeId, Role.PEER, organization, mspId, addresses, trust);
    organizations.putIfAbsent(mspId, organization);
    nodes.put(nodeId, node);
    if (folder.isPresent()) {
      folder.get().replace(node, authority.chain());
    }
    return node;
  }

  /**
   * Keeps a new peer's credentials made elsewhere: certificates of an authority the members hold,
   * for keys made here.
   */
  NodeCredentials installPeer(
      String nodeId,
      String organization,
      String mspId,
      NodeFiles.Credentials files,
      List<X509Certificate> chain)
      throws IOException {
    NodeCredentials node =
        new NodeCredentials(
            nodeId,
            mspId,
            NodeSigner.of(mspId, files.signingCertificate(), files.signingKey()),
            files.signingKey(),
            new NodeTransport.TlsIdentity(
                files.tlsCertificate(),
                files.tlsChain().subList(1, files.tlsChain().size()),
                files.tlsKey(),
                trust));
    organizations.putIfAbsent(mspId, organization);
    nodes.put(nodeId, node);
    if (folder.isPresent()) {
      folder.get().replace(node, chain);
    }
    return node;
  }

  /** New credentials for a peer from {@code authority}, its organisation as before. */
  NodeCredentials reissuePeer(String nodeId, CertificateAuthority authority) throws CaException {
    NodeCredentials current = node(nodeId);
    return NodeCredentials.issue(
        authority,
        nodeId,
        Role.PEER,
        Optional.ofNullable(organizations.get(current.mspId()))
            // A member voted in after genesis: its organisation as its peer's certificate says.
            .or(() -> Subjects.organizationOf(current.signer().certificate()))
            .orElse(current.mspId()),
        current.mspId(),
        addresses,
        current.tls().trust());
  }

  /** Replaces a node's credentials, in memory and in the kept folder. */
  void install(NodeCredentials node, List<X509Certificate> chain) throws IOException {
    nodes.put(node.nodeId(), node);
    if (folder.isPresent()) {
      folder.get().replace(node, chain);
    }
  }

  /**
   * Puts renewals of a node's certificates (same keys) in use now and in its kept folder, so that
   * it restarts with them.
   */
  void renew(
      String nodeId,
      Optional<X509Certificate> signing,
      Optional<X509Certificate> tls,
      List<X509Certificate> chain)
      throws IOException {
    NodeCredentials node = node(nodeId);
    node.renew(signing, tls);
    if (folder.isPresent()) {
      folder.get().replace(node, chain);
    }
  }

  /** Forgets a node that could not start, with its kept credentials. */
  void forget(String nodeId) throws IOException {
    nodes.remove(nodeId);
    if (folder.isPresent()) {
      folder.get().remove(nodeId);
    }
  }

  /** Records the peers members added after genesis in the kept folder. */
  void keepMemberPeers(Collection<Peer> peers) throws IOException {
    if (folder.isPresent()) {
      folder.get().writeMemberPeers(peers);
    }
  }

  /** Writes a node's folder for {@code patchwork node run}, with the genesis block. */
  void writeNodeFiles(String nodeId, Block genesis, Path directory) throws IOException {
    NodeFiles.write(directory, authorityChain, node(nodeId).files());
    Files.write(directory.resolve(NodeFiles.GENESIS), genesis.toByteArray());
  }
}
