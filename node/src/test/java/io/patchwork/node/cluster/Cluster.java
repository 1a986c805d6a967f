package io.patchwork.node.cluster;

import com.google.protobuf.ByteString;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Role;
import io.patchwork.governance.Choice;
import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.channel.FabricChannel;
import io.patchwork.node.config.ConfigTransactions;
import io.patchwork.node.config.proto.ConfigSignature;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.contract.ContractRegistry;
import io.patchwork.node.contract.builtin.BuiltInContracts;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.governance.GovernanceDecisions;
import io.patchwork.node.host.LocalLedger;
import io.patchwork.node.host.LocalLedgerBuilder;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.order.Broadcasts;
import io.patchwork.node.order.OrdererNode;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.TxRecord;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;
import javax.net.ssl.KeyManager;
import javax.net.ssl.X509TrustManager;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.gateway.PreparedTransaction;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test harness for multi-node behaviour: a ledger of real nodes on loopback (a certificate
 * authority in a temporary directory issues every certificate), clients using the official Fabric
 * Gateway client, and helpers to wait for and compare the nodes' state.
 *
 * <p>Use {@link #run}: it always shuts the ledger down and, when the body fails, logs every node's
 * height and state hash first.
 */
public final class Cluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Cluster.class);

  private final Path directory;
  private final EmbeddedDatabase database;
  private final CertificateAuthority authority;
  private final CertificateAuthorities authorities;
  private final LocalLedger ledger;
  private final Map<String, Client> admins = new HashMap<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Gateway> gateways = new ArrayList<>();
  private final List<StandaloneNode> standalone = new ArrayList<>();

  private Cluster(
      Path directory,
      EmbeddedDatabase database,
      CertificateAuthorities authorities,
      CertificateAuthority authority,
      LocalLedger ledger) {
    this.directory = directory;
    this.database = database;
    this.authorities = authorities;
    this.authority = authority;
    this.ledger = ledger;
  }

  /** What to start. */
  public static final class Options {
    int organizations = 4;
    int orderers = 1;
    int peersPerOrganization = 1;
    EndorsementPolicy policy =
        EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.MAJORITY).build();
    int maxTransactions = 500;
    Duration batchTimeout = Duration.ofMillis(50);

    public Options organizations(int n) {
      organizations = n;
      return this;
    }

    public Options orderers(int n) {
      orderers = n;
      return this;
    }

    public Options peersPerOrganization(int n) {
      peersPerOrganization = n;
      return this;
    }

    public Options endorsement(EndorsementPolicy.Rule rule, int count) {
      policy = EndorsementPolicy.newBuilder().setRule(rule).setCount(count).build();
      return this;
    }

    Optional<Opening> opening = Optional.empty();
    NodeAddresses addresses = NodeAddresses.loopback();

    /** Where the nodes listen and are reached (in the config and their TLS certificates). */
    public Options addresses(NodeAddresses value) {
      addresses = value;
      return this;
    }

    /** Starts the ledger as a successor with this opening. */
    public Options opening(Opening value) {
      opening = Optional.of(value);
      return this;
    }

    ContractRegistry contracts = BuiltInContracts.registry();
    List<FabricChannel.Organization> imported = List.of();

    /**
     * Brings in these organisations of a Fabric channel as members (besides {@link #organizations}
     * made by the ledger's authority), named by their group in the channel config.
     */
    public Options importing(List<FabricChannel.Organization> value) {
      imported = List.copyOf(value);
      return this;
    }

    /** The contracts every node can run, all of them pinned (default: the built-in ones). */
    public Options contracts(ContractRegistry value) {
      contracts = value;
      return this;
    }

    public Options blocks(int maxTransactions, Duration timeout) {
      this.maxTransactions = maxTransactions;
      this.batchTimeout = timeout;
      return this;
    }
  }

  public static Options options() {
    return new Options();
  }

  /** Starts a ledger, runs the body, dumps state if it fails, and always shuts everything down. */
  public static void run(Path directory, Options options, ClusterBody body) throws Exception {
    try (Cluster cluster = start(directory, options)) {
      try {
        body.run(cluster);
      } catch (Throwable failure) {
        log.error("cluster.failed\n{}", cluster.dump());
        throw failure;
      }
    }
  }

  /** A test body. */
  @FunctionalInterface
  public interface ClusterBody {
    void run(Cluster cluster) throws Exception;
  }

  static Cluster start(Path directory, Options options) throws Exception {
    EmbeddedDatabase database = EmbeddedDatabase.open(directory.resolve("ca-db"));
    try {
      CertificateAuthorities authorities =
          CertificateAuthorities.builder()
              .dataSource(database.dataSource())
              .keyDirectory(directory.resolve("ca-keys"))
              .passphrase(Passphrase.of("cluster tests".toCharArray()))
              .build();
      CertificateAuthority authority =
          authorities.createRoot(AuthoritySpec.of("trade", "Operator"));
      LocalLedgerBuilder builder =
          LocalLedger.builder()
              .ledgerId("trade")
              .authority(authority)
              .orderers(options.orderers)
              .peersPerOrganization(options.peersPerOrganization)
              .endorsement(options.policy)
              .blockCutting(options.maxTransactions, 8 * 1024 * 1024, options.batchTimeout)
              .contracts(options.contracts, List.copyOf(options.contracts.names()))
              .dataDirectory(directory.resolve("nodes"));
      for (int i = 0; i < options.organizations; i++) {
        builder.member("Bank " + (char) ('A' + i), mspId(i));
      }
      for (FabricChannel.Organization organization : options.imported) {
        builder.member(organization.group(), organization);
      }
      options.opening.ifPresent(builder::opening);
      builder.addresses(options.addresses);
      return new Cluster(directory, database, authorities, authority, builder.start());
    } catch (Exception | Error e) {
      database.close();
      throw e;
    }
  }

  /** MSP id of the i-th member: BankAMSP, BankBMSP, ... */
  public static String mspId(int i) {
    return "Bank" + (char) ('A' + i) + "MSP";
  }

  public LocalLedger ledger() {
    return ledger;
  }

  public CertificateAuthority authority() {
    return authority;
  }

  /** An application identity of a member, issued by the ledger's authority. */
  public record Client(String mspId, IssuedCredential signing, IssuedCredential tls) {}

  public Client client(String mspId, String name) throws Exception {
    String organization = "Bank " + mspId.charAt(4);
    IssuedCredential signing =
        authority.issueWithNewKey(
            CertificateRequest.signing(name, Role.CLIENT, organization, mspId));
    IssuedCredential tls =
        authority.issueWithNewKey(
            CertificateRequest.tls(
                name,
                Role.CLIENT,
                organization,
                mspId,
                List.of(),
                List.of(InetAddress.getLoopbackAddress())));
    return new Client(mspId, signing, tls);
  }

  /** An admin identity of a member (issued once per cluster): it may sign config updates. */
  public synchronized Client admin(String mspId) throws Exception {
    Client existing = admins.get(mspId);
    if (existing != null) {
      return existing;
    }
    String organization = "Bank " + mspId.charAt(4);
    IssuedCredential signing =
        authority.issueWithNewKey(
            CertificateRequest.signing("admin", Role.ADMIN, organization, mspId));
    Client admin = new Client(mspId, signing, client(mspId, "admin-tls").tls());
    admins.put(mspId, admin);
    return admin;
  }

  /**
   * A client claiming a member's MSP id whose signing certificate comes from another authority, and
   * whose TLS certificate is the ledger's own (so it gets past the handshake).
   */
  public Client foreignSigner(String mspId, String name) throws Exception {
    CertificateAuthority elsewhere = foreignAuthority();
    IssuedCredential signing =
        elsewhere.issueWithNewKey(
            CertificateRequest.signing(name, Role.CLIENT, "Bank " + mspId.charAt(4), mspId));
    return new Client(mspId, signing, client(mspId, name + "-tls").tls());
  }

  /** A client whose TLS certificate comes from another authority. */
  public Client foreignTls(String mspId, String name) throws Exception {
    CertificateAuthority elsewhere = foreignAuthority();
    IssuedCredential tls =
        elsewhere.issueWithNewKey(
            CertificateRequest.tls(
                name,
                Role.CLIENT,
                "Bank " + mspId.charAt(4),
                mspId,
                List.of(),
                List.of(InetAddress.getLoopbackAddress())));
    return new Client(mspId, client(mspId, name).signing(), tls);
  }

  private synchronized CertificateAuthority foreignAuthority() throws Exception {
    return authorities.ledgerIds().contains("elsewhere")
        ? authorities.open("elsewhere")
        : authorities.createRoot(AuthoritySpec.of("elsewhere", "Mallory"));
  }

  /** A second authority in the cluster's CA database, e.g. one the members switch to. */
  public CertificateAuthority newAuthority(String name) throws Exception {
    return authorities.createRoot(AuthoritySpec.of(name, "Members"));
  }

  /**
   * An identity of a member whose signing certificate comes from {@code issuer}; its TLS
   * certificate is the ledger's own (node TLS trust is the genesis roots).
   */
  public Client issuedBy(CertificateAuthority issuer, String mspId, String name, Role role)
      throws Exception {
    IssuedCredential signing =
        issuer.issueWithNewKey(
            CertificateRequest.signing(name, role, "Bank " + mspId.charAt(4), mspId));
    return new Client(mspId, signing, client(mspId, name + "-tls").tls());
  }

  /** An identity of a member whose signing and TLS certificates both come from {@code issuer}. */
  public Client whollyIssuedBy(CertificateAuthority issuer, String mspId, String name, Role role)
      throws Exception {
    String organization = "Bank " + mspId.charAt(4);
    IssuedCredential signing =
        issuer.issueWithNewKey(CertificateRequest.signing(name, role, organization, mspId));
    IssuedCredential tls =
        issuer.issueWithNewKey(
            CertificateRequest.tls(
                name,
                Role.CLIENT,
                organization,
                mspId,
                List.of(),
                List.of(InetAddress.getLoopbackAddress())));
    return new Client(mspId, signing, tls);
  }

  /** The client's signing key as a node signer, for building envelopes by hand. */
  public static NodeSigner signer(Client client) {
    return NodeSigner.of(
        client.mspId(),
        client.signing().certificate().certificate(),
        client.signing().privateKey());
  }

  /**
   * Commits a config update: the current config changed by {@code change}, with the next sequence,
   * signed by the admins of a majority of members, broadcast and awaited on every running peer.
   */
  public LedgerConfig updateConfig(UnaryOperator<LedgerConfig.Builder> change) throws Exception {
    LedgerConfig current = ledger.peers().get(0).ledger().rules().config();
    LedgerConfig next =
        change.apply(current.toBuilder()).setSequence(current.getSequence() + 1).build();
    List<ConfigSignature> signatures = new ArrayList<>();
    List<String> members = current.getMembersList().stream().map(m -> m.getMspId()).toList();
    for (String mspId : members.subList(0, members.size() / 2 + 1)) {
      signatures.add(ConfigTransactions.sign(next, signer(admin(mspId))));
    }
    Client submitter = admin(members.get(0));
    BroadcastResponse response =
        broadcast(
            submitter,
            ConfigTransactions.envelope(next, signatures, signer(submitter), Instant.now()));
    if (response.getStatus() != Status.SUCCESS) {
      throw new AssertionError("config update refused: " + response);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (PeerNode peer : ledger.peers()) {
      while (peer.ledger().rules().sequence() < next.getSequence()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("config " + next.getSequence() + " not committed:\n" + dump());
        }
        Thread.sleep(20);
      }
    }
    return next;
  }

  /**
   * Sends one envelope to the first running orderer's Broadcast service as the client; if its
   * stream breaks (the orderer stops: say, voted out by this very envelope), to the next, as a
   * Fabric client fails over. Sent twice, an envelope is ordered once: the copy is a duplicate.
   */
  public BroadcastResponse broadcast(Client client, Envelope envelope) throws Exception {
    IOException last = null;
    for (OrdererNode running : ledger.orderers()) {
      Orderer orderer = ledger.ordererConfig(running.nodeId());
      ManagedChannel channel = channel(client, orderer.getHost(), orderer.getPort());
      try {
        return Broadcasts.send(channel, envelope, Duration.ofSeconds(30));
      } catch (IOException broken) {
        last = broken;
      }
    }
    throw last != null ? last : new IOException("no orderer runs");
  }

  /** The endorsed transaction's envelope, signed by the submitter, ready to broadcast. */
  public static Envelope signed(org.hyperledger.fabric.client.Transaction tx, NodeSigner signer)
      throws Exception {
    Envelope envelope = PreparedTransaction.parseFrom(tx.getBytes()).getEnvelope();
    return envelope.toBuilder()
        .setSignature(ByteString.copyFrom(signer.sign(envelope.getPayload().toByteArray())))
        .build();
  }

  /** Sends one envelope to the named orderer's Broadcast service as the client. */
  public BroadcastResponse broadcastTo(Client client, String ordererId, Envelope envelope)
      throws Exception {
    Orderer orderer = ledger.ordererConfig(ordererId);
    return Broadcasts.send(
        channel(client, orderer.getHost(), orderer.getPort()), envelope, Duration.ofSeconds(30));
  }

  /** The ledger's {@code ledger-token} contract for the client, through peer0's gateway. */
  public Contract token(Client client) throws Exception {
    return gateway(client, "peer0").getNetwork("trade").getContract("ledger-token");
  }

  /** A Fabric Gateway connection for the client through the given peer, closed with the cluster. */
  public Gateway gateway(Client client, String peerId) throws Exception {
    Peer peer = ledger.peerConfig(peerId);
    ManagedChannel channel = channel(client, peer.getHost(), peer.getPort());
    Gateway gateway =
        Gateway.newInstance()
            .identity(
                new X509Identity(client.mspId(), client.signing().certificate().certificate()))
            .signer(Signers.newPrivateKeySigner(client.signing().privateKey()))
            .connection(channel)
            .evaluateOptions(o -> o.withDeadlineAfter(30, TimeUnit.SECONDS))
            .endorseOptions(o -> o.withDeadlineAfter(30, TimeUnit.SECONDS))
            .submitOptions(o -> o.withDeadlineAfter(30, TimeUnit.SECONDS))
            .commitStatusOptions(o -> o.withDeadlineAfter(60, TimeUnit.SECONDS))
            .connect();
    gateways.add(gateway);
    return gateway;
  }

  /** An mTLS channel to a peer presenting the client's TLS certificate, closed with the cluster. */
  public ManagedChannel channel(Client client, String peerId) {
    Peer peer = ledger.peerConfig(peerId);
    return channel(client, peer.getHost(), peer.getPort());
  }

  /** An mTLS channel to an orderer presenting the client's TLS certificate. */
  public ManagedChannel ordererChannel(Client client, String ordererId) {
    Orderer orderer = ledger.ordererConfig(ordererId);
    return channel(client, orderer.getHost(), orderer.getPort());
  }

  /** An mTLS channel presenting the client's TLS certificate, closed with the cluster. */
  private ManagedChannel channel(Client client, String host, int port) {
    // Trust what the ledger trusts now: after a replaced authority, its peers' new certificates.
    X509TrustManager trust =
        ledger.peers().isEmpty()
            ? ledger.trust()
            : ledger.peers().get(0).ledger().rules().tlsTrust();
    KeyManager key =
        new NodeTransport.TlsIdentity(
                client.tls().certificate().certificate(),
                List.of(),
                client.tls().privateKey(),
                trust)
            .keyManager();
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder().keyManager(key).trustManager(trust).build();
    ManagedChannel channel = Grpc.newChannelBuilderForAddress(host, port, credentials).build();
    synchronized (channels) {
      channels.add(channel);
    }
    return channel;
  }

  /** Waits until every running peer has at least {@code height} blocks. */
  public void awaitHeight(long height, Duration timeout) throws InterruptedException {
    awaitHeightOf(height, timeout);
  }

  /** The config in force on peer0. */
  public LedgerConfig config() {
    return ledger.peers().get(0).ledger().rules().config();
  }

  /** Waits until every running peer but {@code exceptPeers} has applied config {@code sequence}. */
  public void awaitSequence(long sequence, String... exceptPeers) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (PeerNode peer : ledger.peers()) {
      if (Arrays.asList(exceptPeers).contains(peer.nodeId())) {
        continue;
      }
      while (peer.ledger().rules().sequence() < sequence) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("config " + sequence + " not committed:\n" + dump());
        }
        Thread.sleep(20);
      }
    }
  }

  /**
   * Has the members decide {@code action}: the first voter proposes, every voter's admin votes yes,
   * the first voter submits the decision; returns once every peer applied it.
   */
  public void decide(GovernanceProposal.Builder action, String... voters) throws Exception {
    Instant now = Instant.now();
    long sequence = config().getSequence();
    NodeSigner proposer = signer(admin(voters[0]));
    SignedGovernanceProposal proposal =
        GovernanceDecisions.propose(
            action
                .setLedgerId(ledger.ledgerId())
                .setConfigSequence(sequence)
                .setProposerMspId(voters[0])
                .setCreatedAtMillis(now.toEpochMilli())
                .build(),
            proposer);
    List<GovernanceBallot> ballots = new ArrayList<>();
    for (int i = 0; i < voters.length; i++) {
      ballots.add(
          GovernanceDecisions.vote(
              proposal, signer(admin(voters[i])), Choice.YES, now.plusMillis(i)));
    }
    BroadcastResponse response =
        broadcast(
            admin(voters[0]),
            GovernanceDecisions.decisionEnvelope(config(), proposal, ballots, proposer, now));
    if (response.getStatus() != Status.SUCCESS) {
      throw new AssertionError("the decision was refused: " + response.getInfo());
    }
    awaitSequence(sequence + 1);
  }

  private void awaitHeightOf(long height, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      boolean all = true;
      for (PeerNode peer : ledger.peers()) {
        all &= peer.ledger().height() >= height;
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "peers did not reach height " + height + " in " + timeout + ":\n" + dump());
      }
      Thread.sleep(20);
    }
  }

  /**
   * Every block every running peer holds decodes with Fabric's own messages, as Fabric's decoders
   * read it ({@link FabricBlocks}).
   */
  public void assertBlocksDecodeAsFabric() throws IOException {
    for (PeerNode peer : ledger.peers()) {
      FabricBlocks.assertEveryBlockDecodes(peer);
    }
  }

  /** Waits until the peer has committed the transaction (valid or not) and returns its record. */
  public TxRecord awaitTransaction(PeerNode peer, String txId) throws InterruptedException {
    CompletableFuture<TxRecord> committed = peer.awaitCommit(txId);
    try {
      return committed.get(30, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(
          "transaction " + txId + " not committed on " + peer.nodeId() + ":\n" + dump());
    } catch (ExecutionException e) {
      throw new AssertionError("waiting for transaction " + txId + " failed", e.getCause());
    } finally {
      committed.cancel(false);
    }
  }

  /**
   * Moves a peer out of this JVM: stops it here, writes its node folder and runs it as its own
   * process on the same data directory through {@code patchwork node run}. The cluster kills the
   * process when it closes.
   */
  public StandaloneNode runStandalone(String nodeId, String... extraArgs) throws Exception {
    ledger.stopPeer(nodeId);
    Path files = directory.resolve("standalone").resolve(nodeId);
    ledger.writeNodeFiles(nodeId, files);
    StandaloneNode node =
        new StandaloneNode(nodeId, files, ledger.dataDirectory(nodeId), List.of(extraArgs));
    synchronized (standalone) {
      standalone.add(node);
    }
    return node.start();
  }

  /**
   * Runs a node this ledger does not host — a member's own, from the node folder {@code files}
   * ({@code genesis.block}, {@code msp/}, {@code tls/}) — as its own process through {@code
   * patchwork node run} with {@code extraArgs}. The cluster kills the process when it closes.
   */
  public StandaloneNode runMemberNode(String nodeId, Path files, String... extraArgs)
      throws Exception {
    StandaloneNode node =
        new StandaloneNode(
            nodeId, files, directory.resolve("member-nodes").resolve(nodeId), List.of(extraArgs));
    synchronized (standalone) {
      standalone.add(node);
    }
    return node.start();
  }

  /** Every node's height, last block hash and state hash, one line each. */
  public String dump() {
    StringBuilder out = new StringBuilder();
    HexFormat hex = HexFormat.of();
    for (PeerNode peer : ledger.peers()) {
      out.append(peer.nodeId())
          .append(" msp=")
          .append(peer.mspId())
          .append(" height=")
          .append(peer.ledger().height())
          .append(" state=")
          .append(hex.formatHex(peer.ledger().state().stateHash().toByteArray()))
          .append('\n');
    }
    ledger
        .orderers()
        .forEach(
            o ->
                out.append(o.nodeId())
                    .append(" leader=")
                    .append(o.isLeader())
                    .append(" height=")
                    .append(o.blocks().height())
                    .append('\n'));
    return out.toString();
  }

  @Override
  public void close() {
    standalone.forEach(StandaloneNode::close);
    gateways.forEach(Gateway::close);
    channels.forEach(ManagedChannel::shutdownNow);
    try {
      ledger.close();
    } finally {
      database.close();
    }
  }
}
