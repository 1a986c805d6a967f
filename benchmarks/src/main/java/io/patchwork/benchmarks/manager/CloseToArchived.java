package io.patchwork.benchmarks.manager;

import io.grpc.ManagedChannel;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.patchwork.benchmarks.ledger.Clients;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Role;
import io.patchwork.governance.Choice;
import io.patchwork.manager.ledger.LedgerRecord;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.manager.ledger.LedgerStatus;
import io.patchwork.manager.ledger.Settlement;
import io.patchwork.node.api.Commit;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.MemberMessages;
import io.patchwork.node.config.proto.AssetSettlement;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.NodeSigner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.hyperledger.fabric.client.CommitException;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.GatewayException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times closing a busy ledger to its archive: a {@code payments-netting} ledger made by the network
 * manager's ledger service is filled with obligations through the official Fabric Gateway client
 * (each recorded by its debtor and accepted by its creditor, two transactions), then the members
 * decide {@code CloseLedger} and the manager settles — statement computed and checked by every
 * peer, signed by peers of a quorum, committed as the last block, archive written and verified,
 * nodes stopped and their data deleted.
 */
@Command(
    name = "close-to-archived",
    mixinStandardHelpOptions = true,
    description = "Time close-to-ARCHIVED for a ledger filled with obligations.")
public final class CloseToArchived implements Callable<Integer> {
  private static final String LEDGER = "close-bench";

  @Option(names = "--parties", defaultValue = "95", description = "Member organisations.")
  int parties;

  @Option(names = "--orderers", defaultValue = "5")
  int orderers;

  @Option(
      names = "--transactions",
      defaultValue = "100000",
      description = "Transactions to commit before closing (two per obligation).")
  long transactions;

  @Option(names = "--workers", defaultValue = "128", description = "Closed-loop client workers.")
  int workers;

  public static void main(String[] args) {
    System.exit(new CommandLine(new CloseToArchived()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path directory = Files.createTempDirectory("patchwork-close-to-archived-");
    List<Gateway> gateways = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    try (EmbeddedDatabase database = EmbeddedDatabase.open(directory.resolve("registry"));
        LedgerService service =
            BenchServices.ledgerService(directory, database, new SimpleMeterRegistry())) {
      Settlement settlement = new Settlement(service, directory, Clock.systemUTC());
      List<LedgerRecord.Party> members = new ArrayList<>();
      for (int i = 0; i < parties; i++) {
        members.add(new LedgerRecord.Party("Org " + i, Clients.mspId(i)));
      }
      LedgerRecord record =
          service.accept(
              new LedgerService.Request(
                  LEDGER,
                  "payments-netting",
                  members,
                  Map.of("topology.orderers", String.valueOf(orderers))));
      service.provision(record);
      HostedLedger ledger = service.running(LEDGER).orElseThrow();
      CertificateAuthority authority = service.authority(LEDGER);
      AtomicLong committed = new AtomicLong();
      String counted = ledger.peers().get(0).nodeId();
      ledger.onCommit(
          block -> {
            if (block.peerId().equals(counted)) {
              committed.addAndGet(block.transactions().size());
            }
          });

      List<Contract> contracts = new ArrayList<>();
      for (int org = 0; org < parties; org++) {
        IssuedCredential client = Clients.signing(authority, org, "app", Role.CLIENT);
        IssuedCredential tls = Clients.tls(authority, org, "app-tls");
        ManagedChannel channel =
            Clients.channel(ledger, tls, ledger.peerOf(Clients.mspId(org)).orElseThrow());
        channels.add(channel);
        Gateway gateway = Clients.gateway(Clients.mspId(org), client, channel);
        gateways.add(gateway);
        contracts.add(gateway.getNetwork(LEDGER).getContract("obligations"));
      }
      long fillStart = System.nanoTime();
      fill(contracts, committed);
      HostedNode first = ledger.peers().get(0);
      Clients.awaitHeight(ledger, first.height());
      System.out.printf(
          Locale.ROOT,
          "ledger of %d nodes filled: %d transactions in %d blocks in %.0f s (%.0f tx/s); %s open"
              + " file descriptors%n",
          orderers + parties,
          committed.get(),
          first.height(),
          seconds(System.nanoTime() - fillStart),
          committed.get() / seconds(System.nanoTime() - fillStart),
          openFiles());

      long closeStart = System.nanoTime();
      // decide() answers only a VALID commit; any refusal is thrown with its reason.
      close(ledger, authority);
      service.registry().setStatus(LEDGER, LedgerStatus.CLOSING, Optional.empty());
      long decidedAt = System.nanoTime();
      Settlement.Outcome outcome = settlement.settle(LEDGER);
      long archivedAt = System.nanoTime();
      LedgerStatus status = service.registry().get(LEDGER).orElseThrow().status();
      if (status != LedgerStatus.ARCHIVED) {
        throw new IllegalStateException("the ledger is " + status + ", not ARCHIVED");
      }
      AssetSettlement eur = outcome.statement().getAssets(0);
      System.out.printf(
          Locale.ROOT,
          "statement: final height %d, %d positions, %d transfers, gross %s, moved %s%n",
          outcome.statement().getFinalHeight(),
          eur.getPositionsCount(),
          eur.getTransfersCount(),
          eur.getGross(),
          eur.getMoved());
      System.out.printf(
          Locale.ROOT,
          "RESULT %d nodes, %d transactions: close-to-ARCHIVED %.1f s (CloseLedger decision"
              + " committed %.1f s, settle to ARCHIVED %.1f s); archive %d bytes%n",
          orderers + parties,
          committed.get(),
          seconds(archivedAt - closeStart),
          seconds(decidedAt - closeStart),
          seconds(archivedAt - decidedAt),
          outcome.archiveBytes());
      System.out.printf(
          Locale.ROOT,
          "date %s, %d processors%n",
          LocalDate.now(),
          Runtime.getRuntime().availableProcessors());
      return 0;
    } finally {
      gateways.forEach(Gateway::close);
      for (ManagedChannel channel : channels) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      Clients.delete(directory);
    }
  }

  /**
   * Closed-loop workers, each between its own pair of organisations: the debtor records an
   * obligation, the creditor accepts it; until the ledger holds the transactions asked for.
   */
  private void fill(List<Contract> contracts, AtomicLong committed) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong failed = new AtomicLong();
    ConcurrentHashMap<String, Long> reasons = new ConcurrentHashMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    List<Future<?>> loops = new ArrayList<>();
    for (int w = 0; w < workers; w++) {
      int worker = w;
      int debtor = w % parties;
      int creditor = (debtor + 1 + (w / parties) % (parties - 1)) % parties;
      loops.add(
          pool.submit(
              () -> {
                for (long n = 0; running.get(); n++) {
                  String id = "w" + worker + "-" + n;
                  try {
                    contracts
                        .get(debtor)
                        .submitTransaction(
                            "record",
                            id,
                            Clients.mspId(debtor),
                            Clients.mspId(creditor),
                            "EUR",
                            String.valueOf(ThreadLocalRandom.current().nextInt(1, 1_000_001)));
                    contracts.get(creditor).submitTransaction("accept", id);
                  } catch (Exception e) {
                    failed.incrementAndGet();
                    reasons.merge(reason(e), 1L, Long::sum);
                  }
                }
                return null;
              }));
    }
    long lastReport = System.nanoTime();
    while (committed.get() < transactions) {
      Thread.sleep(200);
      if (System.nanoTime() - lastReport > TimeUnit.SECONDS.toNanos(60)) {
        System.out.printf(
            Locale.ROOT,
            "  %d transactions committed, %d failed, %s open file descriptors%n",
            committed.get(),
            failed.get(),
            openFiles());
        lastReport = System.nanoTime();
      }
    }
    running.set(false);
    pool.shutdown();
    for (Future<?> loop : loops) {
      loop.get(5, TimeUnit.MINUTES);
    }
    System.out.printf(Locale.ROOT, "%d submissions failed (not retried):%n", failed.get());
    reasons.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(5)
        .forEach(
            entry ->
                System.out.printf(Locale.ROOT, "  %6d  %s%n", entry.getValue(), entry.getKey()));
  }

  /**
   * A failure's kind: the client exception and, for gRPC ones, the status code and message start.
   */
  private static String reason(Exception failure) {
    String message = String.valueOf(failure.getMessage());
    if (failure instanceof GatewayException gateway) {
      message = gateway.getStatus().getCode() + " " + gateway.getStatus().getDescription();
    } else if (failure instanceof CommitException commit) {
      message = commit.getCode().name();
    }
    message = message.replaceAll("[0-9a-f]{16,}|w[0-9]+-[0-9]+", "#");
    return failure.getClass().getSimpleName()
        + ": "
        + message.substring(0, Math.min(120, message.length()));
  }

  /** How many files and sockets this process holds open (Linux), or "?" elsewhere. */
  private static String openFiles() {
    try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
      return String.valueOf(open.count());
    } catch (IOException | UncheckedIOException e) {
      return "?";
    }
  }

  /** The CloseLedger decision: proposed by the first member, approved by a majority's admins. */
  private Commit close(HostedLedger ledger, CertificateAuthority authority) throws Exception {
    LedgerConfig config = ledger.config();
    List<NodeSigner> admins = new ArrayList<>();
    for (int org = 0; org <= parties / 2; org++) {
      IssuedCredential admin = Clients.signing(authority, org, "admin", Role.ADMIN);
      admins.add(
          NodeSigner.of(Clients.mspId(org), admin.certificate().certificate(), admin.privateKey()));
    }
    Instant now = Instant.now();
    SignedGovernanceProposal proposal =
        MemberMessages.propose(
            GovernanceProposal.newBuilder()
                .setLedgerId(LEDGER)
                .setConfigSequence(config.getSequence())
                .setProposerMspId(admins.get(0).mspId())
                .setCreatedAtMillis(now.toEpochMilli())
                .setCloseLedger(
                    GovernanceProposal.CloseLedger.newBuilder().setSettlementAsset("EUR"))
                .build(),
            admins.get(0));
    List<GovernanceBallot> ballots = new ArrayList<>();
    for (NodeSigner admin : admins) {
      ballots.add(MemberMessages.vote(proposal, admin, Choice.YES, now));
    }
    return ledger.decide(admins.get(0).mspId(), proposal, ballots, Duration.ofMinutes(2));
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
