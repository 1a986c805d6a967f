package io.patchwork.benchmarks.manager;

import io.patchwork.manager.GatewayProbe;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.hyperledger.fabric.client.Contract;

/**
 * The application side of {@link AcrossHosts}, run on a member's host: records obligations of the
 * member to {@code CREDITOR} at a steady rate through the first peer of the member's connection
 * profile for a number of seconds, then checks that every transaction it saw committed is on the
 * ledger, and writes one line per transaction (id, submitted, answered — epoch nanoseconds, the
 * machine's clock — and the result) to {@code OUT}.
 *
 * <pre>AcrossHostsLoad JOIN_DIR DEBTOR CREDITOR RATE SECONDS OUT</pre>
 *
 * Prints "load started" when the first transaction is offered and "missing N" at the end.
 */
public final class AcrossHostsLoad {
  private AcrossHostsLoad() {}

  public static void main(String[] args) throws Exception {
    Path joined = Path.of(args[0]);
    String debtor = args[1];
    String creditor = args[2];
    int rate = Integer.parseInt(args[3]);
    int seconds = Integer.parseInt(args[4]);
    Path out = Path.of(args[5]);
    ConcurrentLinkedQueue<Outcomes.Outcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicLong sequence = new AtomicLong();
    ExecutorService workers = Executors.newFixedThreadPool(512);
    ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
    try (GatewayProbe.Connection connection = GatewayProbe.open(joined)) {
      Contract obligations =
          connection.gateway().getNetwork(connection.ledger()).getContract("obligations");
      String run = Long.toString(now(), 36);
      System.out.println("load started");
      pacer.scheduleAtFixedRate(
          () -> {
            long offered = now();
            String id = "load-" + run + "-" + sequence.incrementAndGet();
            workers.execute(
                () ->
                    outcomes.add(
                        Outcomes.record(
                            obligations, id, debtor, creditor, offered, AcrossHostsLoad::now)));
          },
          0,
          1_000_000_000L / rate,
          TimeUnit.NANOSECONDS);
      Thread.sleep(seconds * 1000L);
      pacer.shutdownNow();
      workers.shutdown();
      workers.awaitTermination(120, TimeUnit.SECONDS);
      Outcomes seen = new Outcomes(outcomes);
      try (PrintWriter writer =
          new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
        seen.all().forEach(o -> writer.println(o.line()));
      }
      System.out.println("missing " + seen.missing(obligations));
    } finally {
      pacer.shutdownNow();
      workers.shutdownNow();
    }
  }

  /** Nanoseconds since the epoch, on the clock every process of the machine shares. */
  static long now() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }
}
