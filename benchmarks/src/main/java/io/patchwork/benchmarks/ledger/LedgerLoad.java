package io.patchwork.benchmarks.ledger;

import io.grpc.ManagedChannel;
import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Role;
import io.patchwork.node.block.BlockSignatures;
import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.host.LocalLedger;
import io.patchwork.node.host.LocalLedgerBuilder;
import io.patchwork.node.order.proto.OrdererPosition;
import io.patchwork.node.peer.PeerNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.GatewayException;
import org.hyperledger.fabric.client.Status;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Load on an embedded ledger through the official Fabric Gateway client: closed-loop workers each
 * submit {@code ledger-token} transfers between an account pair of their own (so transfers never
 * conflict) and wait for the commit status before the next one. Reports committed transactions per
 * second over the measured window and the submit-to-commit latency percentiles; optionally times a
 * new peer catching up by block replay and from a snapshot.
 *
 * <p>Everything runs in this JVM, load generator included, so the figures are for the whole machine
 * doing all the work: clients signing, peers endorsing, orderers ordering, every peer validating
 * every transaction.
 *
 * <p>One runner on purpose: its options, workers and report are one benchmark read top to bottom;
 * the clients it drives are made by {@link Clients}.
 */
@Command(
    name = "ledger-load",
    mixinStandardHelpOptions = true,
    description = "Transfer load on an embedded ledger through the Fabric Gateway client.")
public final class LedgerLoad implements Callable<Integer> {
  private static final String LEDGER = "bench";

  /** Transactions (valid or not) in the blocks the first peer committed since the start. */
  private final AtomicLong committedTransactions = new AtomicLong();

  @Option(names = "--organizations", defaultValue = "17", description = "Member organisations.")
  int organizations;

  @Option(names = "--peers-per-org", defaultValue = "1", description = "Peers per organisation.")
  int peersPerOrganization;

  @Option(names = "--orderers", defaultValue = "3", description = "Raft orderers.")
  int orderers;

  @Option(
      names = "--endorsements",
      defaultValue = "2",
      description = "Organisations whose endorsement a transaction needs (AT_LEAST policy).")
  int endorsements;

  @Option(names = "--workers", defaultValue = "256", description = "Closed-loop client workers.")
  int workers;

  @Option(
      names = "--warmup",
      defaultValue = "PT150S",
      description =
          "Warm-up before measuring (ISO-8601). On two shared cores the JIT compiler is still busy"
              + " after a minute of load: a 20-node ledger ran at 410 tx/s after 60 s and 600 tx/s"
              + " after 150 s.")
  Duration warmup;

  @Option(names = "--measure", defaultValue = "PT60S", description = "Measured window.")
  Duration measure;

  @Option(names = "--block-transactions", defaultValue = "500")
  int blockTransactions;

  @Option(names = "--block-timeout", defaultValue = "PT0.1S")
  Duration blockTimeout;

  @Option(
      names = "--catch-up",
      defaultValue = "0",
      description =
          "After the load, keep submitting until the ledger holds this many transactions, then"
              + " time a peer joining by block replay and from a snapshot.")
  long catchUpTransactions;

  @Option(
      names = "--peer-commit",
      defaultValue = "0",
      description =
          "After the load, keep submitting until the ledger holds this many transactions, then"
              + " time one peer alone validating and committing every block of it, on one thread:"
              + " with a cold signature cache (the first peer of a process to see a block) and a"
              + " warm one (every other peer).")
  long peerCommitTransactions;

  @Option(
      names = "--peer-commit-rounds",
      defaultValue = "6",
      description = "Times the peer commit is measured, alternating cold and warm.")
  int peerCommitRounds;

  @Option(names = "--label", defaultValue = "", description = "Name for the results line.")
  String label;

  @Option(
      names = "--shape",
      description =
          "A standing configuration that sets the topology: fabric-test-network (1 orderer, 2"
              + " organisations with 1 peer each, both must endorse: Fabric's test network).")
  String shape;

  @Option(
      names = "--commit-status",
      defaultValue = "GATEWAY_PEER",
      description =
          "When a commit status answers: GATEWAY_PEER (Fabric's meaning), ENDORSING_ORGANIZATIONS"
              + " or ALL_MEMBERS.")
  CommitStatusPolicy.Scope commitStatus;

  /** Failed and invalid transactions in the measured window, by kind, with a first example. */
  private final Map<String, AtomicLong> failures = new ConcurrentHashMap<>();

  private final Map<String, String> examples = new ConcurrentHashMap<>();

  public static void main(String[] args) {
    System.exit(new CommandLine(new LedgerLoad()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (shape != null) {
      switch (shape) {
        case "fabric-test-network" -> {
          orderers = 1;
          organizations = 2;
          peersPerOrganization = 1;
          endorsements = 2;
        }
        default -> {
          System.err.println("unknown --shape " + shape + ": fabric-test-network is the one");
          return 2;
        }
      }
    }
    Path directory = Files.createTempDirectory("patchwork-ledger-load-");
    EmbeddedDatabase database = EmbeddedDatabase.open(directory.resolve("ca"));
    List<Gateway> gateways = new ArrayList<>();
    List<ManagedChannel> channels = new ArrayList<>();
    try {
      CertificateAuthority authority =
          CertificateAuthorities.builder()
              .dataSource(database.dataSource())
              .keyDirectory(directory.resolve("keys"))
              .passphrase(Passphrase.of("benchmark passphrase".toCharArray()))
              .build()
              .createRoot(AuthoritySpec.of(LEDGER, "Bench Operator"));
      long started = System.nanoTime();
      LocalLedgerBuilder builder =
          LocalLedger.builder()
              .ledgerId(LEDGER)
              .authority(authority)
              .orderers(orderers)
              .peersPerOrganization(peersPerOrganization)
              .endorsement(
                  EndorsementPolicy.newBuilder()
                      .setRule(EndorsementPolicy.Rule.AT_LEAST)
                      .setCount(endorsements)
                      .build())
              .blockCutting(blockTransactions, 8 * 1024 * 1024, blockTimeout)
              .commitStatus(CommitStatusPolicy.newBuilder().setScope(commitStatus).build())
              .dataDirectory(directory.resolve("nodes"));
      for (int i = 0; i < organizations; i++) {
        builder.member("Org " + i, Clients.mspId(i));
      }
      try (LocalLedger ledger = builder.start()) {
        ledger
            .peers()
            .get(0)
            .ledger()
            .onCommit(block -> committedTransactions.addAndGet(block.transactions().size()));
        int nodes = orderers + organizations * peersPerOrganization;
        System.out.printf(
            Locale.ROOT,
            "ledger of %d nodes (%d orderers, %d organisations x %d peers; commit status %s)"
                + " started in %.1f s%n",
            nodes,
            orderers,
            organizations,
            peersPerOrganization,
            commitStatus,
            seconds(System.nanoTime() - started));

        List<Worker> load = new ArrayList<>();
        for (int org = 0; org < organizations; org++) {
          IssuedCredential admin = Clients.signing(authority, org, "admin", Role.ADMIN);
          IssuedCredential tls = Clients.tls(authority, org, "load-tls");
          List<Peer> orgPeers = Clients.peersOf(ledger, Clients.mspId(org));
          List<Contract> contracts = new ArrayList<>();
          for (Peer peer : orgPeers) {
            ManagedChannel channel = Clients.channel(ledger, tls, peer);
            channels.add(channel);
            Gateway gateway = Clients.gateway(Clients.mspId(org), admin, channel);
            gateways.add(gateway);
            contracts.add(gateway.getNetwork(LEDGER).getContract("ledger-token"));
          }
          for (int w = org; w < workers; w += organizations) {
            Contract contract = contracts.get((w / organizations) % contracts.size());
            String from = Clients.mspId(org) + "/w" + w;
            String to = Clients.mspId((org + 1) % organizations) + "/w" + w;
            load.add(new Worker(contract, from, to));
          }
        }
        fund(load);

        Result result = run(load, ledger);
        System.out.printf(
            Locale.ROOT,
            "signature verifications in the measured window: computed %d, answered from the cache"
                + " %d (per committed transaction: %.1f computed)%n",
            result.verificationsComputed(),
            result.verificationsCached(),
            result.verificationsComputed() / (double) Math.max(1, result.valid()));
        printOrdering(ledger);
        String name = label.isEmpty() ? nodes + " nodes" : label;
        System.out.printf(
            Locale.ROOT,
            "RESULT %s: %.0f tx/s committed valid; latency p50 %.0f ms, p99 %.0f ms, max %.0f ms;"
                + " %d valid, %d invalid, %d failed in %.0f s; %d workers; height %d;"
                + " CPU %.2f ms per transaction (%.2f cores busy)%n",
            name,
            result.throughput(),
            result.p50Millis(),
            result.p99Millis(),
            result.maxMillis(),
            result.valid(),
            result.invalid(),
            result.failed(),
            result.seconds(),
            workers,
            ledger.peers().get(0).ledger().height(),
            result.cpuMillisPerTransaction(),
            result.coresBusy());
        failures.forEach(
            (kind, count) ->
                System.out.printf(
                    Locale.ROOT,
                    "FAILED %s: %d (first: %s)%n",
                    kind,
                    count.get(),
                    examples.get(kind)));
        if (catchUpTransactions > 0) {
          catchUp(ledger, load);
        }
        if (peerCommitTransactions > 0) {
          fill(ledger, load, peerCommitTransactions);
          PeerCommit.measure(ledger, peerCommitRounds, directory.resolve("peer-commit"));
        }
        System.out.printf(Locale.ROOT, "date %s, %d processors%n", LocalDate.now(), cpus());
      }
      return 0;
    } finally {
      gateways.forEach(Gateway::close);
      for (ManagedChannel channel : channels) {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      database.close();
      Clients.delete(directory);
    }
  }

  /** One closed-loop client: a transfer, its commit status, the next transfer. */
  private static final class Worker {
    final Contract contract;
    final String from;
    final String to;
    long[] latencies = new long[1 << 12];
    int count;
    long endorseNanos;
    long submitNanos;
    long commitNanos;
    private long lastEndorse;
    private long lastSubmit;
    private long lastCommit;

    Worker(Contract contract, String from, String to) {
      this.contract = contract;
      this.from = from;
      this.to = to;
    }

    Status transfer() throws Exception {
      long start = System.nanoTime();
      var endorsed = contract.newProposal("transfer").addArguments(from, to, "1").build().endorse();
      long endorsedAt = System.nanoTime();
      var submitted = endorsed.submitAsync();
      long submittedAt = System.nanoTime();
      Status status = submitted.getStatus();
      lastEndorse = endorsedAt - start;
      lastSubmit = submittedAt - endorsedAt;
      lastCommit = System.nanoTime() - submittedAt;
      return status;
    }

    /** Counts the last transfer, which committed valid in the measured window. */
    void record(long nanos) {
      endorseNanos += lastEndorse;
      submitNanos += lastSubmit;
      commitNanos += lastCommit;
      if (count == latencies.length) {
        latencies = Arrays.copyOf(latencies, count * 2);
      }
      latencies[count++] = nanos;
    }
  }

  private void fund(List<Worker> load) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(Math.min(64, load.size()));
    try {
      List<Future<?>> issues = new ArrayList<>();
      for (Worker worker : load) {
        issues.add(
            pool.submit(
                () -> worker.contract.submitTransaction("issue", worker.from, "1000000000")));
      }
      for (Future<?> issue : issues) {
        issue.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** How many Raft entries carried the envelopes, from the last block's recorded log position. */
  private static void printOrdering(LocalLedger ledger) throws Exception {
    var blocks = ledger.orderers().get(0).blocks();
    long envelopes = 0;
    for (long number = 1; number < blocks.height(); number++) {
      envelopes += blocks.get(number).orElseThrow().getData().getDataCount();
    }
    long entries =
        OrdererPosition.parseFrom(
                BlockSignatures.ordererMetadata(blocks.last().orElseThrow())
                    .orElseThrow()
                    .getConsenterMetadata())
            .getLogIndex();
    System.out.printf(
        Locale.ROOT,
        "ordering: %d envelopes in %d blocks from about %d Raft log entries (%.1f envelopes an"
            + " entry, counting timeout cuts)%n",
        envelopes,
        blocks.height() - 1,
        entries,
        envelopes / (double) Math.max(1, entries));
  }

  record Result(
      double throughput,
      double p50Millis,
      double p99Millis,
      double maxMillis,
      long valid,
      long invalid,
      long failed,
      double seconds,
      long verificationsComputed,
      long verificationsCached,
      double cpuMillisPerTransaction,
      double coresBusy) {}

  private Result run(List<Worker> load, LocalLedger ledger) throws Exception {
    AtomicBoolean measuring = new AtomicBoolean(false);
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong valid = new AtomicLong();
    AtomicLong invalid = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(load.size());
    List<Future<?>> loops = new ArrayList<>();
    for (Worker worker : load) {
      loops.add(
          pool.submit(
              () -> {
                while (running.get()) {
                  long start = System.nanoTime();
                  boolean counted = measuring.get();
                  try {
                    Status status = worker.transfer();
                    long elapsed = System.nanoTime() - start;
                    if (counted && measuring.get()) {
                      if (status.isSuccessful()) {
                        valid.incrementAndGet();
                        worker.record(elapsed);
                      } else {
                        invalid.incrementAndGet();
                        failure(
                            "invalid " + status.getCode(),
                            "transaction " + status.getTransactionId());
                      }
                    }
                  } catch (Exception e) {
                    if (counted && measuring.get()) {
                      failed.incrementAndGet();
                      failure(kind(e), String.valueOf(e.getMessage()));
                    }
                  }
                }
                return null;
              }));
    }
    Thread.sleep(warmup.toMillis());
    measuring.set(true);
    long begin = System.nanoTime();
    long cpuBefore = processCpuNanos();
    long missesBefore = ledger.verifier().cacheMisses();
    long hitsBefore = ledger.verifier().cacheHits();
    Thread.sleep(measure.toMillis());
    measuring.set(false);
    long end = System.nanoTime();
    long cpu = processCpuNanos() - cpuBefore;
    long computed = ledger.verifier().cacheMisses() - missesBefore;
    long cached = ledger.verifier().cacheHits() - hitsBefore;
    running.set(false);
    for (Future<?> loop : loops) {
      loop.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    long total = load.stream().mapToLong(w -> w.count).sum();
    long calls = Math.max(1, total);
    System.out.printf(
        Locale.ROOT,
        "mean time per measured transaction: endorse %.0f ms, submit %.0f ms, commit wait %.0f"
            + " ms%n",
        load.stream().mapToLong(w -> w.endorseNanos).sum() / 1e6 / calls,
        load.stream().mapToLong(w -> w.submitNanos).sum() / 1e6 / calls,
        load.stream().mapToLong(w -> w.commitNanos).sum() / 1e6 / calls);
    long[] all = new long[(int) total];
    int at = 0;
    for (Worker worker : load) {
      System.arraycopy(worker.latencies, 0, all, at, worker.count);
      at += worker.count;
      worker.count = 0;
    }
    Arrays.sort(all);
    double window = seconds(end - begin);
    return new Result(
        valid.get() / window,
        millis(percentile(all, 0.50)),
        millis(percentile(all, 0.99)),
        millis(all.length == 0 ? 0 : all[all.length - 1]),
        valid.get(),
        invalid.get(),
        failed.get(),
        window,
        computed,
        cached,
        cpu / 1e6 / Math.max(1, valid.get()),
        cpu / (double) (end - begin));
  }

  private void failure(String kind, String example) {
    failures.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
    examples.putIfAbsent(kind, example);
  }

  /** A failed call's kind: the exception's class and, for a gateway call, its gRPC status. */
  private static String kind(Exception e) {
    if (e instanceof GatewayException gateway) {
      return e.getClass().getSimpleName() + " " + gateway.getStatus().getCode();
    }
    return e.getClass().getSimpleName();
  }

  /** CPU time of this whole process — load generator and every node — so far. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /** Submits transfers until the ledger holds {@code transactions}; returns its height. */
  private long fill(LocalLedger ledger, List<Worker> load, long transactions) throws Exception {
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(load.size());
    long fillStart = System.nanoTime();
    for (Worker worker : load) {
      pool.submit(
          () -> {
            while (running.get()) {
              try {
                worker.transfer();
              } catch (Exception e) {
                // counted by the ledger's height, not here
              }
            }
            return null;
          });
    }
    while (committedTransactions.get() < transactions) {
      Thread.sleep(500);
    }
    running.set(false);
    pool.shutdown();
    pool.awaitTermination(120, TimeUnit.SECONDS);
    long height = ledger.peers().get(0).ledger().height();
    Clients.awaitHeight(ledger.peers(), height);
    System.out.printf(
        Locale.ROOT,
        "ledger filled to %d transactions in %d blocks in %.0f s%n",
        committedTransactions.get(),
        height,
        seconds(System.nanoTime() - fillStart));
    return height;
  }

  /**
   * Fills the ledger to the requested number of transactions, then times one peer joining from
   * scratch by block replay, and joining from a snapshot another peer exports.
   */
  private void catchUp(LocalLedger ledger, List<Worker> load) throws Exception {
    PeerNode source = ledger.peers().get(0);
    long height = fill(ledger, load, catchUpTransactions);

    String joining = ledger.peers().get(ledger.peers().size() - 1).nodeId();
    ledger.stopPeer(joining);
    Clients.delete(ledger.dataDirectory(joining));
    long replayStart = System.nanoTime();
    PeerNode replayed = ledger.startPeer(joining);
    Clients.awaitHeight(List.of(replayed), height);
    double replaySeconds = seconds(System.nanoTime() - replayStart);
    boolean sameHash =
        replayed.ledger().state().stateHash().equals(source.ledger().state().stateHash());

    ledger.stopPeer(joining);
    Clients.delete(ledger.dataDirectory(joining));
    Path snapshot = Files.createTempFile("patchwork-snapshot-", ".bin");
    try {
      long exportStart = System.nanoTime();
      source.ledger().exportSnapshot(snapshot);
      double exportSeconds = seconds(System.nanoTime() - exportStart);
      long joinStart = System.nanoTime();
      PeerNode fromSnapshot = ledger.startPeerFromSnapshot(joining, snapshot);
      Clients.awaitHeight(List.of(fromSnapshot), height);
      double joinSeconds = seconds(System.nanoTime() - joinStart);
      boolean snapshotHash =
          fromSnapshot.ledger().state().stateHash().equals(source.ledger().state().stateHash());
      System.out.printf(
          Locale.ROOT,
          "CATCH-UP %d transactions, %d blocks: replay %.1f s (same state hash: %s); snapshot"
              + " export %.1f s (%d bytes) + join %.1f s (same state hash: %s); ratio %.1fx%n",
          committedTransactions.get(),
          height,
          replaySeconds,
          sameHash,
          exportSeconds,
          Files.size(snapshot),
          joinSeconds,
          snapshotHash,
          replaySeconds / joinSeconds);
    } finally {
      Files.deleteIfExists(snapshot);
    }
  }

  private static long percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    int index = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  private static double millis(long nanos) {
    return nanos / 1e6;
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }

  private static int cpus() {
    return Runtime.getRuntime().availableProcessors();
  }
}
