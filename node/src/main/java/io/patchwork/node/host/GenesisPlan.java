package io.patchwork.node.host;

import com.google.protobuf.ByteString;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Role;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.api.OrdererSlot;
import io.patchwork.node.channel.ConfigBlocks;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.BlockCutting;
import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.GovernancePolicy;
import io.patchwork.node.config.proto.ImportedState;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.config.proto.Lifecycle;
import io.patchwork.node.config.proto.Member;
import io.patchwork.node.config.proto.ModificationPolicy;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.config.proto.PinnedContract;
import io.patchwork.node.net.LedgerTrust;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.X509TrustManager;
import org.hyperledger.fabric.protos.common.Block;

/**
 * A new ledger's genesis: its config (members with the authority's roots and CRL, orderers spread
 * over the members in turn, peers per member, policies, pinned contracts, a successor's opening),
 * every node's certificates issued by the authority (naming the address nodes are reached at), and
 * the genesis block. Orderers with a slot in {@code remoteSlots} (by index) are placed at the
 * slot's host and ports; every other node at this host's advertised address, on free ports.
 */
record GenesisPlan(
    String ledgerId,
    CertificateAuthority authority,
    List<LocalLedger.Organization> organizations,
    int orderers,
    int peersPerOrganization,
    EndorsementPolicy endorsement,
    BlockCutting cutting,
    Optional<GovernancePolicy> governance,
    Optional<CommitStatusPolicy> commitStatus,
    Optional<Duration> lifespan,
    Optional<Duration> upgradeWindow,
    Map<String, ByteString> contracts,
    Optional<Opening> opening,
    Optional<ImportedState> importedState,
    NodeAddresses addresses,
    Map<Integer, OrdererSlot> remoteSlots) {

  /** What the plan made: the config, its genesis block, the nodes' credentials, the TLS trust. */
  record Genesis(
      LedgerConfig config,
      Block block,
      Map<String, NodeCredentials> credentials,
      X509TrustManager trust) {}

  /**
   * Issues the nodes' certificates and writes the genesis config; checks it as every node will.
   *
   * @throws ConfigException if the config it makes is not valid (an MSP id, a policy, an opening)
   */
  Genesis issue(Instant at) throws CaException, ConfigException {
    X509Certificate root = authority.trustRoot();
    List<X509Certificate> intermediates =
        authority.chain().subList(0, authority.chain().size() - 1);
    ByteString crl;
    try {
      crl = ByteString.copyFrom(authority.crl().getEncoded());
    } catch (CRLException e) {
      throw new IllegalStateException("the authority's CRL cannot be encoded", e);
    }
    X509TrustManager trust =
        LedgerTrust.trustManager(List.of(root), intermediates, List.of(authority.crl()));
    LedgerConfig.Builder config =
        LedgerConfig.newBuilder()
            .setFormatVersion(LedgerRules.FORMAT_VERSION)
            .setLedgerId(ledgerId)
            .setSequence(0)
            .setEndorsementPolicy(endorsement)
            .setBlockCutting(cutting)
            .setStatus(LedgerStatus.OPEN)
            .setModificationPolicy(
                ModificationPolicy.newBuilder()
                    .setAdminOrganizations(organizations.size() / 2 + 1));
    for (LocalLedger.Organization organization : organizations) {
      Member.Builder member =
          Member.newBuilder()
              .setOrganization(organization.name())
              .setMspId(organization.mspId())
              .addRootCertificates(pem(root))
              .addCrls(crl);
      intermediates.forEach(i -> member.addIntermediateCertificates(pem(i)));
      organization
          .fabric()
          .ifPresent(
              fabric -> {
                member.addAllRootCertificates(fabric.rootCertificates());
                member.addAllIntermediateCertificates(fabric.intermediateCertificates());
                fabric.crls().forEach(given -> member.addCrls(der(fabric.mspId(), given)));
                fabric.tlsRootCertificates().stream()
                    .filter(tls -> !fabric.rootCertificates().contains(tls))
                    .forEach(member::addTlsRootCertificates);
              });
      config.addMembers(member);
    }
    opening.ifPresent(config::setOpening);
    governance.ifPresent(config::setGovernance);
    commitStatus.ifPresent(config::setCommitStatus);
    if (lifespan.isPresent() || upgradeWindow.isPresent()) {
      Lifecycle.Builder lifecycle = Lifecycle.newBuilder();
      // Block time of genesis is `at`: both limits count from it.
      lifespan.ifPresent(d -> lifecycle.setLifespanEndsAtMillis(at.plus(d).toEpochMilli()));
      upgradeWindow.ifPresent(d -> lifecycle.setUpgradesUntilMillis(at.plus(d).toEpochMilli()));
      config.setLifecycle(lifecycle);
    }
    contracts.forEach(
        (name, hash) ->
            config.addContracts(PinnedContract.newBuilder().setName(name).setCodeHash(hash)));
    Map<String, NodeCredentials> credentials = new LinkedHashMap<>();
    for (int i = 0; i < orderers; i++) {
      LocalLedger.Organization owner = organizations.get(i % organizations.size());
      OrdererSlot slot =
          remoteSlots.containsKey(i)
              ? remoteSlots.get(i)
              : new OrdererSlot(
                  addresses.advertised(), Ports.free(addresses), Ports.free(addresses));
      NodeCredentials node =
          NodeCredentials.issue(
              authority,
              "orderer" + i,
              Role.ORDERER,
              owner.name(),
              owner.mspId(),
              addresses.advertisedAt(slot.host()),
              trust);
      credentials.put(node.nodeId(), node);
      config.addOrderers(
          Orderer.newBuilder()
              .setNodeId(node.nodeId())
              .setMspId(owner.mspId())
              .setHost(slot.host())
              .setPort(slot.port())
              .setRaftPort(slot.raftPort())
              .setSigningCertificate(pem(node.signer().certificate()))
              .setTlsCertificate(pem(node.tls().certificate())));
    }
    int index = 0;
    for (int p = 0; p < peersPerOrganization; p++) {
      for (LocalLedger.Organization organization : organizations) {
        NodeCredentials node =
            NodeCredentials.issue(
                authority,
                "peer" + index++,
                Role.PEER,
                organization.name(),
                organization.mspId(),
                addresses,
                trust);
        credentials.put(node.nodeId(), node);
        config.addPeers(
            Peer.newBuilder()
                .setNodeId(node.nodeId())
                .setMspId(organization.mspId())
                .setHost(addresses.advertised())
                .setPort(Ports.free(addresses)));
      }
    }
    LedgerConfig built = config.build();
    Block genesis = ConfigBlocks.genesis(built, at, importedState);
    return new Genesis(built, genesis, Collections.unmodifiableMap(credentials), trust);
  }

  static ByteString pem(X509Certificate certificate) {
    return ByteString.copyFrom(Pem.certificate(certificate), StandardCharsets.US_ASCII);
  }

  /** A CRL as the config keeps it, DER; Fabric configs may carry it PEM-encoded. */
  private static ByteString der(String mspId, ByteString crl) {
    try {
      return ByteString.copyFrom(
          ((X509CRL)
                  CertificateFactory.getInstance("X.509")
                      .generateCRL(new ByteArrayInputStream(crl.toByteArray())))
              .getEncoded());
    } catch (CertificateException | CRLException e) {
      throw new IllegalArgumentException(
          "a CRL of " + mspId + " in the Fabric channel config cannot be read: " + e.getMessage(),
          e);
    }
  }
}
