package io.patchwork.benchmarks.ledger;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Role;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.config.ConfigException;
import io.patchwork.node.config.LedgerRules;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.host.LocalLedger;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.peer.PeerNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509TrustManager;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.X509Identity;

/**
 * Load-generating clients for the benchmarks — identities from a ledger's authority for member
 * organisations {@code Org<i>MSP}, official Fabric Gateway connections to their peers — and the
 * chores around a run: waiting for peers to catch up, deleting its files.
 */
public final class Clients {
  private Clients() {}

  public static List<Peer> peersOf(LocalLedger ledger, String mspId) {
    return ledger.config().getPeersList().stream()
        .filter(peer -> peer.getMspId().equals(mspId))
        .toList();
  }

  public static String mspId(int org) {
    return "Org" + org + "MSP";
  }

  public static IssuedCredential signing(
      CertificateAuthority authority, int org, String name, Role role) throws Exception {
    return authority.issueWithNewKey(
        CertificateRequest.signing(name, role, "Org " + org, mspId(org)));
  }

  public static IssuedCredential tls(CertificateAuthority authority, int org, String name)
      throws Exception {
    return authority.issueWithNewKey(
        CertificateRequest.tls(
            name,
            Role.CLIENT,
            "Org " + org,
            mspId(org),
            List.of(),
            List.of(InetAddress.getLoopbackAddress())));
  }

  public static ManagedChannel channel(LocalLedger ledger, IssuedCredential tls, Peer peer) {
    return channel(ledger.trust(), tls, peer.getHost(), peer.getPort());
  }

  /** A channel to a peer of a manager-hosted ledger, trusting the roots of its config in force. */
  public static ManagedChannel channel(HostedLedger ledger, IssuedCredential tls, HostedNode peer)
      throws ConfigException {
    return channel(LedgerRules.of(ledger.config()).tlsTrust(), tls, peer.host(), peer.port());
  }

  private static ManagedChannel channel(
      X509TrustManager trust, IssuedCredential tls, String host, int port) {
    KeyManager key =
        new NodeTransport.TlsIdentity(
                tls.certificate().certificate(), List.of(), tls.privateKey(), trust)
            .keyManager();
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder().keyManager(key).trustManager(trust).build();
    return Grpc.newChannelBuilderForAddress(host, port, credentials).build();
  }

  /**
   * The official client, with a signer on Bouncy Castle's ECDSA: the client's default signer uses
   * the JDK's, which on Java 17 costs about 0.7 ms a signature and would make the load generator
   * the bottleneck.
   */
  public static Gateway gateway(String mspId, IssuedCredential signing, ManagedChannel channel) {
    NodeSigner signer =
        NodeSigner.of(mspId, signing.certificate().certificate(), signing.privateKey());
    return Gateway.newInstance()
        .identity(new X509Identity(mspId, signing.certificate().certificate()))
        .signer(signer::signDigest)
        .connection(channel)
        .evaluateOptions(o -> o.withDeadlineAfter(30, TimeUnit.SECONDS))
        .endorseOptions(o -> o.withDeadlineAfter(30, TimeUnit.SECONDS))
        .submitOptions(o -> o.withDeadlineAfter(30, TimeUnit.SECONDS))
        .commitStatusOptions(o -> o.withDeadlineAfter(60, TimeUnit.SECONDS))
        .connect();
  }

  /** Waits (up to 30 minutes) until every hosted peer holds {@code height} blocks. */
  public static void awaitHeight(HostedLedger ledger, long height) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    for (HostedNode peer : ledger.peers()) {
      while (peer.height() < height) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(peer.nodeId() + " did not reach height " + height);
        }
        Thread.sleep(10);
      }
    }
  }

  /** Waits (up to 30 minutes) until every peer holds {@code height} blocks. */
  public static void awaitHeight(List<PeerNode> peers, long height) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(30);
    for (PeerNode peer : peers) {
      while (peer.ledger().height() < height) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(peer.nodeId() + " did not reach height " + height);
        }
        Thread.sleep(10);
      }
    }
  }

  /** Deletes a directory tree, if there is one. */
  public static void delete(Path directory) {
    if (!Files.exists(directory)) {
      return;
    }
    try (Stream<Path> files = Files.walk(directory)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
