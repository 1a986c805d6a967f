package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Role;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.api.NodePorts;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.host.NodeFiles;
import io.patchwork.node.net.CertifiedNames;
import io.patchwork.node.peer.PeerNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.hyperledger.fabric.client.Contract;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes listen on the host's bind address and are reached at its advertised address, which the
 * ledger config lists and every node's TLS certificate names. 127.0.0.2 stands for a machine's own
 * interface: it is loopback on Linux, but not the address the certificates name by default.
 */
@Tag("cluster")
class NodeAddressTest {
  private static final String ADDRESS = "127.0.0.2";

  /** A range of its own for the nodes of these tests, as a firewall would leave open. */
  private static final NodePorts PORTS = randomRange();

  private static NodePorts randomRange() {
    int first = 22_000 + ThreadLocalRandom.current().nextInt(9_000);
    return new NodePorts(first, first + 9);
  }

  @TempDir Path directory;

  private static Cluster.Options atSecondLoopback() {
    return Cluster.options()
        .organizations(2)
        .orderers(1)
        .blocks(20, Duration.ofMillis(20))
        .addresses(new NodeAddresses(ADDRESS, ADDRESS, PORTS));
  }

  @Test
  void nodes_are_listed_reached_and_certified_at_the_advertised_address() throws Exception {
    Cluster.run(
        directory,
        atSecondLoopback(),
        cluster -> {
          LedgerConfig config = cluster.config();
          assertThat(config.getOrderersList()).extracting(Orderer::getHost).containsOnly(ADDRESS);
          assertThat(config.getPeersList()).extracting(Peer::getHost).containsOnly(ADDRESS);
          // Every port a node takes comes from the configured range.
          List<Integer> ports = new ArrayList<>();
          config
              .getOrderersList()
              .forEach(
                  orderer -> {
                    ports.add(orderer.getPort());
                    ports.add(orderer.getRaftPort());
                  });
          config.getPeersList().forEach(peer -> ports.add(peer.getPort()));
          assertThat(ports).hasSize(4).doesNotHaveDuplicates().allMatch(PORTS::contains);
          for (String nodeId : List.of("orderer0", "peer0", "peer1")) {
            Path files = directory.resolve("files-" + nodeId);
            cluster.ledger().writeNodeFiles(nodeId, files);
            X509Certificate tls = NodeFiles.read(files).tlsCertificate();
            // 127.0.0.2 is a loopback address, so localhost and 127.0.0.1 are named as well.
            assertThat(CertifiedNames.of(tls)).as(nodeId).contains(ADDRESS);
            assertThat(CertifiedNames.covers(tls, ADDRESS)).isTrue();
          }
          // The official client checks the peer's certificate against 127.0.0.2.
          Contract token = cluster.token(cluster.admin("BankAMSP"));
          token.submitTransaction("issue", "BankAMSP", "100");
          assertThat(new String(token.evaluateTransaction("balance", "BankAMSP"))).isEqualTo("100");
          // Bound to 127.0.0.2 only: nothing answers on 127.0.0.1 at the peer's port.
          int port = config.getPeers(0).getPort();
          assertThatThrownBy(
                  () -> {
                    try (Socket socket = new Socket()) {
                      socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
                    }
                  })
              .isInstanceOf(IOException.class);
        });
  }

  @Test
  void a_node_whose_certificate_does_not_name_its_address_is_refused_at_start() throws Exception {
    Cluster.run(
        directory,
        atSecondLoopback(),
        cluster -> {
          IssuedCredential signing =
              cluster
                  .authority()
                  .issueWithNewKey(
                      CertificateRequest.signing("peer1", Role.PEER, "Bank B", "BankBMSP"));
          IssuedCredential elsewhere =
              cluster
                  .authority()
                  .issueWithNewKey(
                      CertificateRequest.tls(
                          "peer1",
                          Role.PEER,
                          "Bank B",
                          "BankBMSP",
                          List.of("localhost"),
                          List.of(InetAddress.getByName("127.0.0.9"))));
          List<X509Certificate> tlsChain = new ArrayList<>();
          tlsChain.add(elsewhere.certificate().certificate());
          tlsChain.addAll(
              cluster.authority().chain().subList(0, cluster.authority().chain().size() - 1));

          assertThatThrownBy(
                  () ->
                      cluster
                          .ledger()
                          .recertifyPeer(
                              "peer1",
                              signing.certificate().certificate(),
                              signing.privateKey(),
                              tlsChain,
                              elsewhere.privateKey(),
                              cluster.authority().chain()))
              .isInstanceOfSatisfying(
                  ConfigException.class,
                  e -> assertThat(e.code()).isEqualTo(ConfigException.Code.ADDRESS_NOT_CERTIFIED))
              .hasMessageContaining("node peer1 is reached at 127.0.0.2")
              .hasMessageContaining("127.0.0.9");
          assertThat(cluster.ledger().peers())
              .extracting(PeerNode::nodeId)
              .containsExactly("peer0");
        });
  }
}
