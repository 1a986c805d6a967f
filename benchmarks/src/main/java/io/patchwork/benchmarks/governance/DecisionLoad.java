package io.patchwork.benchmarks.governance;

import io.grpc.Channel;
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
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.config.proto.VotingPolicy;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.governance.GovernanceDecisions;
import io.patchwork.node.host.LocalLedger;
import io.patchwork.node.host.LocalLedgerBuilder;
import io.patchwork.node.net.NodeTransport;
import io.patchwork.node.order.Broadcasts;
import io.patchwork.node.peer.PeerNode;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times member decisions on an embedded ledger: every organisation's admin signs a ballot on a
 * policy change, the decision (proposal and all ballots) is broadcast, and the clock runs until
 * every peer has applied the new config — each orderer and peer re-verifies every ballot.
 */
@Command(
    name = "decision-load",
    mixinStandardHelpOptions = true,
    description = "Time governance decisions with one ballot per member on an embedded ledger.")
public final class DecisionLoad implements Callable<Integer> {
  private static final String LEDGER = "bench";

  @Option(names = "--organizations", defaultValue = "100", description = "Members, one peer each.")
  int organizations;

  @Option(names = "--orderers", defaultValue = "3")
  int orderers;

  @Option(
      names = "--decisions",
      defaultValue = "7",
      description = "Decisions; the first 2 warm up.")
  int decisions;

  public static void main(String[] args) {
    System.exit(new CommandLine(new DecisionLoad()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path directory = Files.createTempDirectory("patchwork-decision-load-");
    try (EmbeddedDatabase database = EmbeddedDatabase.open(directory.resolve("ca"))) {
      CertificateAuthority authority =
          CertificateAuthorities.builder()
              .dataSource(database.dataSource())
              .keyDirectory(directory.resolve("keys"))
              .passphrase(Passphrase.of("benchmark passphrase".toCharArray()))
              .build()
              .createRoot(AuthoritySpec.of(LEDGER, "Bench Operator"));
      LocalLedgerBuilder builder =
          LocalLedger.builder()
              .ledgerId(LEDGER)
              .authority(authority)
              .orderers(orderers)
              .peersPerOrganization(1)
              .endorsement(
                  EndorsementPolicy.newBuilder()
                      .setRule(EndorsementPolicy.Rule.AT_LEAST)
                      .setCount(2)
                      .build())
              .blockCutting(500, 8 * 1024 * 1024, Duration.ofMillis(100))
              .dataDirectory(directory.resolve("nodes"));
      for (int i = 0; i < organizations; i++) {
        builder.member("Org " + i, mspId(i));
      }
      try (LocalLedger ledger = builder.start()) {
        System.out.printf(
            Locale.ROOT,
            "ledger of %d nodes (%d orderers, %d organisations x 1 peer)%n",
            orderers + organizations,
            orderers,
            organizations);
        List<NodeSigner> admins = new ArrayList<>();
        for (int i = 0; i < organizations; i++) {
          IssuedCredential admin =
              authority.issueWithNewKey(
                  CertificateRequest.signing("admin", Role.ADMIN, "Org " + i, mspId(i)));
          admins.add(
              NodeSigner.of(mspId(i), admin.certificate().certificate(), admin.privateKey()));
        }
        IssuedCredential tls =
            authority.issueWithNewKey(
                CertificateRequest.tls(
                    "bench-tls",
                    Role.CLIENT,
                    "Org 0",
                    mspId(0),
                    List.of(),
                    List.of(InetAddress.getLoopbackAddress())));
        Orderer orderer = ledger.config().getOrderers(0);
        ManagedChannel channel = channel(ledger, tls, orderer);
        try {
          run(ledger, admins, channel);
        } finally {
          channel.shutdownNow();
        }
      }
    }
    System.out.printf(Locale.ROOT, "date %s, %d processors%n", LocalDate.now(), cpus());
    return 0;
  }

  private void run(LocalLedger ledger, List<NodeSigner> admins, Channel stub) throws Exception {
    requireUnanimity(ledger, admins, stub);
    List<Double> signSeconds = new ArrayList<>();
    List<Double> ackSeconds = new ArrayList<>();
    List<Double> appliedSeconds = new ArrayList<>();
    for (int d = 0; d < decisions; d++) {
      LedgerConfig current = ledger.peers().get(0).ledger().rules().config();
      Instant now = Instant.now();
      GovernanceProposal change =
          GovernanceProposal.newBuilder()
              .setLedgerId(LEDGER)
              .setConfigSequence(current.getSequence())
              .setProposerMspId(admins.get(0).mspId())
              .setCreatedAtMillis(now.toEpochMilli())
              .setChangePolicy(
                  GovernanceProposal.ChangePolicy.newBuilder().setMaxTransactionsPerBlock(400 + d))
              .build();
      long signing = System.nanoTime();
      SignedGovernanceProposal proposal = GovernanceDecisions.propose(change, admins.get(0));
      List<GovernanceBallot> ballots = new ArrayList<>();
      for (int i = 0; i < admins.size(); i++) {
        ballots.add(
            GovernanceDecisions.vote(proposal, admins.get(i), Choice.YES, now.plusMillis(i)));
      }
      Envelope envelope =
          GovernanceDecisions.decisionEnvelope(current, proposal, ballots, admins.get(0), now);
      long sent = System.nanoTime();
      BroadcastResponse response = broadcast(stub, envelope);
      long acknowledged = System.nanoTime();
      if (response.getStatus() != Status.SUCCESS) {
        throw new IllegalStateException("decision refused: " + response.getInfo());
      }
      awaitSequence(ledger, current.getSequence() + 1);
      long applied = System.nanoTime();
      if (d >= 2) {
        signSeconds.add((sent - signing) / 1e9);
        ackSeconds.add((acknowledged - sent) / 1e9);
        appliedSeconds.add((applied - sent) / 1e9);
      }
      System.out.printf(
          Locale.ROOT,
          "decision %d: %d ballots, %d bytes; signing %.0f ms, ordered %.0f ms, applied on every"
              + " peer %.0f ms after submission%n",
          d,
          ballots.size(),
          envelope.getSerializedSize(),
          (sent - signing) / 1e6,
          (acknowledged - sent) / 1e6,
          (applied - sent) / 1e6);
    }
    System.out.printf(
        Locale.ROOT,
        "RESULT %d ballots on %d nodes: submission to applied on every peer median %.0f ms"
            + " (range %.0f-%.0f); ordered median %.0f ms; proposal and ballots signed in %.0f ms;"
            + " %d decisions after 2 warm-up%n",
        admins.size(),
        ledger.peers().size() + ledger.orderers().size(),
        1000 * median(appliedSeconds),
        1000 * appliedSeconds.stream().mapToDouble(Double::doubleValue).min().orElse(0),
        1000 * appliedSeconds.stream().mapToDouble(Double::doubleValue).max().orElse(0),
        1000 * median(ackSeconds),
        1000 * median(signSeconds),
        appliedSeconds.size());
  }

  /**
   * First, a decision by the default majority that every later one needs all members: so each
   * measured decision carries, and every node checks, one ballot per member.
   */
  private static void requireUnanimity(LocalLedger ledger, List<NodeSigner> admins, Channel stub)
      throws Exception {
    LedgerConfig current = ledger.peers().get(0).ledger().rules().config();
    Instant now = Instant.now();
    GovernanceProposal unanimity =
        GovernanceProposal.newBuilder()
            .setLedgerId(LEDGER)
            .setConfigSequence(current.getSequence())
            .setProposerMspId(admins.get(0).mspId())
            .setCreatedAtMillis(now.toEpochMilli())
            .setChangePolicy(
                GovernanceProposal.ChangePolicy.newBuilder()
                    .setVoting(
                        VotingPolicy.newBuilder()
                            .setThresholdPercent(100)
                            .setComparator(VotingPolicy.Comparator.GREATER_THAN_OR_EQUAL)
                            .setDurationMillis(Duration.ofHours(24).toMillis())
                            .setVersion(2)))
            .build();
    SignedGovernanceProposal proposal = GovernanceDecisions.propose(unanimity, admins.get(0));
    List<GovernanceBallot> ballots = new ArrayList<>();
    for (int i = 0; i < admins.size(); i++) {
      ballots.add(GovernanceDecisions.vote(proposal, admins.get(i), Choice.YES, now.plusMillis(i)));
    }
    BroadcastResponse response =
        broadcast(
            stub,
            GovernanceDecisions.decisionEnvelope(current, proposal, ballots, admins.get(0), now));
    if (response.getStatus() != Status.SUCCESS) {
      throw new IllegalStateException("unanimity refused: " + response.getInfo());
    }
    awaitSequence(ledger, current.getSequence() + 1);
  }

  private static BroadcastResponse broadcast(Channel channel, Envelope envelope) throws Exception {
    return Broadcasts.send(channel, envelope, Duration.ofSeconds(60));
  }

  private static void awaitSequence(LocalLedger ledger, long sequence) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    for (PeerNode peer : ledger.peers()) {
      while (peer.ledger().rules().sequence() < sequence) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "config " + sequence + " not applied on " + peer.nodeId());
        }
        Thread.sleep(1);
      }
    }
  }

  private static ManagedChannel channel(LocalLedger ledger, IssuedCredential tls, Orderer orderer) {
    ChannelCredentials credentials =
        TlsChannelCredentials.newBuilder()
            .keyManager(
                new NodeTransport.TlsIdentity(
                        tls.certificate().certificate(),
                        List.of(),
                        tls.privateKey(),
                        ledger.trust())
                    .keyManager())
            .trustManager(ledger.trust())
            .build();
    return Grpc.newChannelBuilderForAddress(orderer.getHost(), orderer.getPort(), credentials)
        .maxInboundMessageSize(NodeTransport.MAX_MESSAGE_BYTES)
        .build();
  }

  private static double median(List<Double> values) {
    if (values.isEmpty()) {
      return 0;
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }

  private static String mspId(int org) {
    return "Org" + org + "MSP";
  }

  private static int cpus() {
    return Runtime.getRuntime().availableProcessors();
  }
}
