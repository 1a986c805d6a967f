package io.patchwork.benchmarks.manager;

import io.patchwork.benchmarks.ledger.Clients;
import io.patchwork.manager.ConsortiumOnHosts;
import io.patchwork.manager.TestNetwork;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Six parties on five hosts with latency between them ({@link ConsortiumOnHosts}: three manager
 * instances, Bank A and Bank B each on a host of its own with its own peer, Bank A also an orderer
 * voted in; every node reached through a relay that delays each direction by {@code --delay-ms}).
 * First the counterparty flow ({@link CounterpartyFlow}, {@code --counterparty-rounds}): Bank A
 * records an obligation to Bank B through its own peer, Bank B accepts it through its own peer as
 * soon as Bank A's commit status answered; it reports every failure by kind. Then Bank A's
 * application, on Bank A's host, records obligations to Bank B at a steady offered rate through its
 * own peer with the official Fabric Gateway client. After a warm-up and a measured steady phase, a
 * manager instance is killed with SIGKILL and the load goes on: with {@code --kill leader} the one
 * whose orderer leads the Raft group (the second instance when the first's or Bank A's leads), with
 * {@code --kill peers} the first, which runs the six hosted peers (another instance takes them
 * over; it reports when they show there). It reports committed tx/s and commit latency (p50, p99)
 * of the steady phase, the longest gap between commits, the time from the kill to the first commit
 * of a transaction submitted after it, every failed transaction by its kind, and how many
 * acknowledged transactions the ledger does not hold afterwards.
 *
 * <p>Needs root (network namespaces) and PostgreSQL.
 */
@Command(
    name = "across-hosts",
    mixinStandardHelpOptions = true,
    description = "Six parties on five hosts with added latency: commit rate, latency, kill -9.")
public final class AcrossHosts implements Callable<Integer> {
  @Option(
      names = "--delay-ms",
      defaultValue = "20",
      description = "One-way latency added between hosts.")
  int delayMs;

  @Option(names = "--rate", defaultValue = "200", description = "Transactions offered a second.")
  int rate;

  @Option(names = "--warm-up", defaultValue = "30", description = "Seconds of load not measured.")
  int warmUp;

  @Option(
      names = "--measure",
      defaultValue = "60",
      description = "Seconds of steady load measured.")
  int measure;

  @Option(names = "--after", defaultValue = "30", description = "Seconds of load after the kill.")
  int after;

  @Option(
      names = "--kill",
      defaultValue = "leader",
      description =
          "Which instance is killed: 'leader' (the one whose orderer leads, not the first) or"
              + " 'peers' (the first, which runs the six hosted peers: another instance takes them"
              + " over).")
  String kill;

  @Option(
      names = "--counterparty-rounds",
      defaultValue = "1000",
      description =
          "Before the load: this many times in all, Bank A records an obligation to Bank B through"
              + " its own peer and Bank B accepts it through its own peer as soon as Bank A's"
              + " commit status answered (0: skip).")
  int counterpartyRounds;

  @Option(
      names = "--counterparty-workers",
      defaultValue = "8",
      description = "Counterparty flows run at once.")
  int counterpartyWorkers;

  @Option(
      names = "--postgres",
      defaultValue = "jdbc:postgresql://127.0.0.1:5432/postgres?user=postgres",
      description = "The PostgreSQL server (database postgres) for the instances' registry.")
  String postgres;

  public static void main(String[] args) {
    System.exit(new CommandLine(new AcrossHosts()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Optional<String> unavailable = TestNetwork.unavailable();
    if (unavailable.isPresent()) {
      System.err.println("across-hosts: no test hosts here: " + unavailable.get());
      return 2;
    }
    Path directory = Files.createTempDirectory("patchwork-across-hosts-");
    String schema = "across_hosts_" + UUID.randomUUID().toString().replace("-", "");
    sql("CREATE SCHEMA " + schema);
    try (ConsortiumOnHosts consortium =
        ConsortiumOnHosts.start(
            directory, "ab", 4, Duration.ofMillis(delayMs), "postgres", schema)) {
      long setUp = System.nanoTime();
      consortium.createLedger();
      consortium.joinMembers();
      consortium.voteInBankAOrderer();
      System.out.printf(
          Locale.ROOT,
          "six parties on five hosts ready in %.1f s (ledger, joins, Bank A's orderer voted in)%n",
          (System.nanoTime() - setUp) / 1e9);

      if (counterpartyRounds > 0) {
        counterparty(consortium, directory);
      }

      Path outcomes = directory.resolve("outcomes.txt");
      Path log = directory.resolve("load.log");
      int seconds = warmUp + measure + after;
      Process load =
          consortium
              .network()
              .start(
                  consortium.bankAHost(),
                  TestNetwork.java(
                      AcrossHostsLoad.class.getName(),
                      consortium.member("a").toString(),
                      "BankAMSP",
                      "BankBMSP",
                      Integer.toString(rate),
                      Integer.toString(seconds),
                      outcomes.toString()),
                  Map.of(),
                  log);
      TestNetwork.awaitOutput(load, log, "load started", Duration.ofSeconds(60));
      long started = AcrossHostsLoad.now();
      Thread.sleep(warmUp * 1000L);
      Map<String, Duration> cpuBefore = cpu(consortium);
      Thread.sleep(measure * 1000L);
      Map<String, Duration> cpuAfter = cpu(consortium);

      Optional<Integer> leader = consortium.leaderInstance();
      int victim;
      if (kill.equals("peers")) {
        victim = 0;
      } else if (kill.equals("leader")) {
        victim = leader.filter(i -> i > 0).orElse(1);
      } else {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--kill is 'leader' or 'peers', not '" + kill + "'");
      }
      consortium.useInstance(victim == 1 ? 2 : 1);
      consortium.kill(victim);
      long killed = AcrossHostsLoad.now();
      String replaced = "-";
      if (victim == 0) {
        // The hosted peers shown on another instance's address: taken over.
        String lost = Pattern.quote(consortium.advertised(0)) + ":";
        consortium.awaitLedger(
            view ->
                view.contains(" peer ")
                    && !Pattern.compile("(?m)^ +\\S+ +peer +\\S+ +" + lost).matcher(view).find());
        replaced = String.format(Locale.ROOT, "%.1f s", (AcrossHostsLoad.now() - killed) / 1e9);
      }
      if (!load.waitFor(seconds + 300L, TimeUnit.SECONDS)) {
        load.destroyForcibly();
        throw new IllegalStateException("the load did not finish:\n" + Files.readString(log));
      }
      String loadOutput = Files.readString(log);
      if (load.exitValue() != 0 || !Files.exists(outcomes)) {
        throw new IllegalStateException("the load failed:\n" + loadOutput);
      }
      Outcomes seen =
          new Outcomes(Files.readAllLines(outcomes).stream().map(Outcomes.Outcome::parse).toList());
      long from = started + warmUp * 1_000_000_000L;
      System.out.printf(
          Locale.ROOT,
          "RESULT delay=%d ms one-way rate=%d/s steady: committed=%.1f tx/s p50=%.0f ms p99=%.0f ms"
              + " | kill of instance m%d (%s; hosted peers taken over after %s):"
              + " longest_commit_gap_ms=%.0f"
              + " kill_to_first_commit_of_later_tx_ms=%s after p50=%.0f ms p99=%.0f ms"
              + " | answered=%d committed=%d failed by kind: %s | %s%n",
          delayMs,
          rate,
          seen.committedPerSecond(from, killed),
          seen.latency(o -> o.submitted() >= from && o.submitted() < killed, 0.50),
          seen.latency(o -> o.submitted() >= from && o.submitted() < killed, 0.99),
          victim,
          leader.isPresent() && leader.get() == victim
              ? "its orderer led"
              : "a follower's; the leader was " + leader.map(i -> "m" + i).orElse("Bank A's"),
          replaced,
          seen.longestGap() / 1e6,
          seen.firstCommitSubmittedAfter(killed)
              .map(o -> String.format(Locale.ROOT, "%.0f", (o.answered() - killed) / 1e6))
              .orElse("none"),
          seen.latency(o -> o.submitted() >= killed, 0.50),
          seen.latency(o -> o.submitted() >= killed, 0.99),
          seen.all().size(),
          seen.valid().size(),
          seen.failures().isEmpty() ? "none" : seen.failures(),
          loadOutput.lines().filter(l -> l.startsWith("missing ")).findFirst().orElse("missing ?")
              + " acknowledged but not on the ledger");
      StringBuilder split = new StringBuilder();
      double total = 0;
      for (Map.Entry<String, Duration> host : cpuAfter.entrySet()) {
        double used =
            (host.getValue().toNanos()
                    - cpuBefore.getOrDefault(host.getKey(), Duration.ZERO).toNanos())
                / 1e9;
        total += used;
        split.append(String.format(Locale.ROOT, " %s=%.0f%%", host.getKey(), 100 * used / measure));
      }
      System.out.printf(
          Locale.ROOT,
          "CPU during the steady phase: %.2f of the machine's %d cores (%s ), %.1f ms per committed"
              + " transaction%n",
          total / measure,
          Runtime.getRuntime().availableProcessors(),
          split.toString().strip(),
          1000 * total / Math.max(1, seen.committedPerSecond(from, killed) * measure));
      return 0;
    } finally {
      sql("DROP SCHEMA " + schema + " CASCADE");
      Clients.delete(directory);
    }
  }

  /**
   * Runs {@link CounterpartyFlow} on Bank B's host (Bank A's side reaches Bank A's peer across the
   * delay, as from Bank A's host) and prints what it saw: every failure by kind, the latency of
   * records and of acceptances.
   */
  private void counterparty(ConsortiumOnHosts consortium, Path directory) throws Exception {
    Path outcomes = directory.resolve("counterparty.txt");
    Path log = directory.resolve("counterparty.log");
    long started = System.nanoTime();
    Process flow =
        consortium
            .network()
            .start(
                consortium.bankBHost(),
                TestNetwork.java(
                    CounterpartyFlow.class.getName(),
                    consortium.member("a").toString(),
                    "BankAMSP",
                    consortium.member("b").toString(),
                    "BankBMSP",
                    Integer.toString(counterpartyRounds),
                    Integer.toString(counterpartyWorkers),
                    outcomes.toString()),
                Map.of(),
                log);
    if (!flow.waitFor(1, TimeUnit.HOURS)) {
      flow.destroyForcibly();
      throw new IllegalStateException(
          "the counterparty flow did not finish:\n" + Files.readString(log));
    }
    if (flow.exitValue() != 0 || !Files.exists(outcomes)) {
      throw new IllegalStateException("the counterparty flow failed:\n" + Files.readString(log));
    }
    Outcomes seen =
        new Outcomes(Files.readAllLines(outcomes).stream().map(Outcomes.Outcome::parse).toList());
    Predicate<Outcomes.Outcome> accept = o -> o.id().endsWith(CounterpartyFlow.ACCEPT);
    System.out.printf(
        Locale.ROOT,
        "COUNTERPARTY delay=%d ms one-way, %d flows by %d workers in %.0f s: recorded=%d"
            + " accepted=%d failed by kind: %s | record p50=%.0f ms p99=%.0f ms, accept p50=%.0f ms"
            + " p99=%.0f ms%n",
        delayMs,
        counterpartyRounds,
        counterpartyWorkers,
        (System.nanoTime() - started) / 1e9,
        seen.valid().stream().filter(accept.negate()).count(),
        seen.valid().stream().filter(accept).count(),
        seen.failures().isEmpty() ? "none" : seen.failures(),
        seen.latency(accept.negate(), 0.50),
        seen.latency(accept.negate(), 0.99),
        seen.latency(accept, 0.50),
        seen.latency(accept, 0.99));
  }

  /**
   * CPU used so far by each host's processes, and by this JVM (the delaying relays) as "relays".
   */
  private static Map<String, Duration> cpu(ConsortiumOnHosts consortium) {
    Map<String, Duration> used = new java.util.LinkedHashMap<>(consortium.network().cpuByHost());
    ProcessHandle.current().info().totalCpuDuration().ifPresent(cpu -> used.put("relays", cpu));
    return used;
  }

  private void sql(String statement) throws Exception {
    try (Connection connection = DriverManager.getConnection(postgres);
        Statement run = connection.createStatement()) {
      run.execute(statement);
    }
  }
}
