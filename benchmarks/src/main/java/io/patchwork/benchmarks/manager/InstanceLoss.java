package io.patchwork.benchmarks.manager;

import io.grpc.ManagedChannel;
import io.patchwork.benchmarks.ledger.Clients;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Role;
import io.patchwork.manager.Manager;
import io.patchwork.manager.ledger.LedgerRecord;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.manager.ledger.OrdererPlacement;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.Gateway;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * What losing a manager instance costs a ledger whose orderers are spread over three instances:
 * instance A runs in this JVM (it creates the ledger and runs its peers and orderer0), B and C run
 * as processes of their own, each with one orderer of the ledger, all on one PostgreSQL registry. A
 * member's application records obligations at a steady offered rate through its peer with the
 * official Fabric Gateway client; mid-run the instance whose orderer leads the Raft group (or B, if
 * A's leads) is killed with SIGKILL. It reports the longest gap between commits, the time from the
 * kill to the first commit of a transaction submitted after it, commit latency before and after,
 * every failed transaction by its kind, and whether any acknowledged transaction is missing from
 * the ledger afterwards.
 */
@Command(
    name = "instance-loss",
    mixinStandardHelpOptions = true,
    description = "Commits across the kill -9 of a manager instance that runs an orderer.")
public final class InstanceLoss implements Callable<Integer> {
  @Option(names = "--rate", defaultValue = "200", description = "Transactions offered a second.")
  int rate;

  @Option(names = "--before", defaultValue = "15", description = "Seconds of load before the kill.")
  int before;

  @Option(names = "--after", defaultValue = "30", description = "Seconds of load after the kill.")
  int after;

  @Option(names = "--rounds", defaultValue = "3", description = "Ledgers, one kill each.")
  int rounds;

  @Option(
      names = "--postgres",
      defaultValue = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres",
      description = "A PostgreSQL server for the instances' shared registry.")
  String postgres;

  private static final String PASSPHRASE = "instance loss benchmark";

  public static void main(String[] args) {
    System.exit(new CommandLine(new InstanceLoss()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path directory = Files.createTempDirectory("patchwork-instance-loss-");
    String schema = "instance_loss_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection connection = DriverManager.getConnection(postgres);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    }
    String registry = postgres + "&currentSchema=" + schema;
    List<Integer> hazelcast = List.of(port(), port(), port());
    List<Integer> bus = List.of(port(), port(), port());
    List<String> members = hazelcast.stream().map(p -> "127.0.0.1:" + p).toList();
    Map<Integer, Process> children = new TreeMap<>();
    Manager a = null;
    try {
      a =
          Manager.start(
              new Manager.Settings(
                  directory.resolve("a"),
                  "127.0.0.1",
                  0,
                  Optional.of(registry),
                  Passphrase.of(PASSPHRASE.toCharArray()),
                  Optional.of(
                      new Manager.Cluster("127.0.0.1", hazelcast.get(0), bus.get(0), members))));
      for (int i = 1; i < 3; i++) {
        children.put(i, child(directory, i, registry, hazelcast, bus, members));
      }
      for (int round = 0; round < rounds; round++) {
        runRound(a, "loss-" + round, children, directory, registry, hazelcast, bus, members);
      }
      return 0;
    } finally {
      children.values().forEach(Process::destroyForcibly);
      if (a != null) {
        a.close();
      }
      try (Connection connection = DriverManager.getConnection(postgres);
          Statement statement = connection.createStatement()) {
        statement.execute("DROP SCHEMA " + schema + " CASCADE");
      }
      Clients.delete(directory);
    }
  }

  private void runRound(
      Manager a,
      String ledgerId,
      Map<Integer, Process> children,
      Path directory,
      String registry,
      List<Integer> hazelcast,
      List<Integer> bus,
      List<String> members)
      throws Exception {
    LedgerService service = a.ledgers();
    List<LedgerRecord.Party> parties = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      parties.add(new LedgerRecord.Party("Org " + i, Clients.mspId(i)));
    }
    LedgerRecord record =
        service.accept(new LedgerService.Request(ledgerId, "payments-netting", parties, Map.of()));
    service.provision(record);
    HostedLedger ledger = service.running(ledgerId).orElseThrow();
    List<OrdererPlacement.PlacedNode> placed = service.placedElsewhere(ledgerId);
    if (placed.size() != 2) {
      throw new IllegalStateException("expected two orderers on B and C, placed: " + placed);
    }
    CertificateAuthority authority = service.authority(ledgerId);
    IssuedCredential signing = Clients.signing(authority, 1, "app1", Role.CLIENT);
    IssuedCredential tls = Clients.tls(authority, 1, "app1");
    HostedNode peer = ledger.peerOf(Clients.mspId(1)).orElseThrow();
    ManagedChannel channel = Clients.channel(ledger, tls, peer);
    ConcurrentLinkedQueue<Outcomes.Outcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicLong sequence = new AtomicLong();
    ExecutorService workers = Executors.newFixedThreadPool(256);
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    try (Gateway gateway = Clients.gateway(Clients.mspId(1), signing, channel)) {
      Contract obligations = gateway.getNetwork(ledgerId).getContract("obligations");
      // Let the group settle on a leader before timing anything.
      record(obligations, ledgerId + "-warm", System.nanoTime());
      pacer.scheduleAtFixedRate(
          () -> {
            long offered = System.nanoTime();
            String id = ledgerId + "-" + sequence.incrementAndGet();
            workers.execute(() -> outcomes.add(record(obligations, id, offered)));
          },
          0,
          1_000_000_000L / rate,
          TimeUnit.NANOSECONDS);
      Thread.sleep(before * 1000L);

      // The victim: the instance whose orderer leads, or B when A's own orderer does.
      placed = service.placedElsewhere(ledgerId);
      Optional<OrdererPlacement.PlacedNode> leader =
          placed.stream().filter(n -> n.leader().orElse(false)).findFirst();
      OrdererPlacement.PlacedNode victim = leader.orElse(placed.get(0));
      int index = indexOf(service, victim);
      boolean victimLed = leader.isPresent();
      children.get(index).destroyForcibly();
      long killed = System.nanoTime();
      Thread.sleep(after * 1000L);
      pacer.shutdownNow();
      workers.shutdown();
      workers.awaitTermination(120, TimeUnit.SECONDS);

      Outcomes seen = new Outcomes(outcomes);
      report(ledgerId, seen, killed, victim, victimLed);
      long missing = seen.missing(obligations);
      System.out.printf(
          Locale.ROOT, "  acknowledged but not on the ledger afterwards: %d%n", missing);
    } finally {
      pacer.shutdownNow();
      workers.shutdownNow();
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    // The killed instance comes back on its own files; its orderer catches up before the next
    // round.
    for (Map.Entry<Integer, Process> child : children.entrySet()) {
      if (!child.getValue().isAlive()) {
        child.setValue(child(directory, child.getKey(), registry, hazelcast, bus, members));
      }
    }
    long height = ledger.nodes().stream().mapToLong(HostedNode::height).max().orElse(0);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!service.placedElsewhere(ledgerId).stream()
        .allMatch(n -> n.height().orElse(0L) >= height)) {
      if (System.nanoTime() > deadline) {
        System.out.println("  the restarted instance's orderer did not catch up within 120 s");
        break;
      }
      Thread.sleep(200);
    }
    System.out.printf(
        Locale.ROOT,
        "  restarted instance's orderer back at height >= %d: %s%n",
        height,
        service.placedElsewhere(ledgerId));
  }

  private static Outcomes.Outcome record(Contract obligations, String id, long offered) {
    return Outcomes.record(
        obligations, id, Clients.mspId(1), Clients.mspId(2), offered, System::nanoTime);
  }

  private void report(
      String ledgerId,
      Outcomes seen,
      long killed,
      OrdererPlacement.PlacedNode victim,
      boolean victimLed) {
    System.out.printf(
        Locale.ROOT,
        "RESULT ledger=%s killed=%s (orderer %s, %s) offered=%d/s answered=%d committed=%d"
            + " longest_commit_gap_ms=%.0f kill_to_first_commit_of_later_tx_ms=%s%n"
            + "  latency before kill p50=%.0f ms p99=%.0f ms; after p50=%.0f ms p99=%.0f ms%n"
            + "  failed by kind: %s%n",
        ledgerId,
        victim.instance(),
        victim.nodeId(),
        victimLed ? "the Raft leader" : "a follower",
        rate,
        seen.all().size(),
        seen.valid().size(),
        seen.longestGap() / 1e6,
        seen.firstCommitSubmittedAfter(killed)
            .map(o -> String.format(Locale.ROOT, "%.0f", (o.answered() - killed) / 1e6))
            .orElse("none"),
        seen.latency(o -> o.submitted() < killed, 0.50),
        seen.latency(o -> o.submitted() < killed, 0.99),
        seen.latency(o -> o.submitted() >= killed, 0.50),
        seen.latency(o -> o.submitted() >= killed, 0.99),
        seen.failures().isEmpty() ? "none" : seen.failures());
  }

  /** The child that is {@code victim}'s instance: the registry has the URL each announced. */
  private static int indexOf(LedgerService service, OrdererPlacement.PlacedNode victim)
      throws Exception {
    String url =
        service
            .registry()
            .url(victim.instance())
            .orElseThrow(() -> new IllegalStateException("no URL for " + victim.instance()));
    for (Map.Entry<Integer, Integer> child : apiPorts.entrySet()) {
      if (url.endsWith(":" + child.getValue())) {
        return child.getKey();
      }
    }
    throw new IllegalStateException("no child serves " + url);
  }

  /** Each child's API port, by index. */
  private static final Map<Integer, Integer> apiPorts = new ConcurrentHashMap<>();

  private static Process child(
      Path directory,
      int index,
      String registry,
      List<Integer> hazelcast,
      List<Integer> bus,
      List<String> members)
      throws IOException, InterruptedException {
    int api = port();
    Path log = directory.resolve("instance-" + index + ".log");
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-cp",
                System.getProperty("java.class.path"),
                "io.patchwork.manager.Main",
                "serve")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    Map<String, String> env = builder.environment();
    env.put("PATCHWORK_DATA_DIR", directory.resolve("instance-" + index).toString());
    env.put("PATCHWORK_DATABASE_URL", registry);
    env.put("PATCHWORK_CA_PASSPHRASE", PASSPHRASE);
    env.put("PATCHWORK_PORT", Integer.toString(api));
    env.put("PATCHWORK_CLUSTER_PORT", Integer.toString(hazelcast.get(index)));
    env.put("PATCHWORK_CLUSTER_BUS_PORT", Integer.toString(bus.get(index)));
    env.put("PATCHWORK_CLUSTER_MEMBERS", String.join(",", members));
    Process process = builder.start();
    apiPorts.put(index, api);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!reachable(api)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new IOException(
            "instance "
                + index
                + " did not start:\n"
                + (Files.exists(log) ? Files.readString(log) : ""));
      }
      Thread.sleep(200);
    }
    return process;
  }

  private static boolean reachable(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A free port below the ephemeral range, so that no outgoing connection takes it meanwhile. */
  private static int port() throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 32_000);
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException taken) {
        // next
      }
    }
    throw new IOException("no free port between 20000 and 32000");
  }
}
