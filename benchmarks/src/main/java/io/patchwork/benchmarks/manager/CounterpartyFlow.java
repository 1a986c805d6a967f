package io.patchwork.benchmarks.manager;

import io.patchwork.manager.GatewayProbe;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.Contract;

/**
 * The counterparty flow of {@link AcrossHosts}, run on a member's host: "bank A records, bank B
 * accepts through its own peer at once". Each of {@code WORKERS} loops records an obligation of
 * {@code DEBTOR} to {@code CREDITOR} through the first peer of the debtor's connection profile and,
 * as soon as its commit status answered, accepts it as the creditor through the first peer of the
 * creditor's profile — {@code ROUNDS} in all. Writes one line per transaction (id — the
 * obligation's, with "/accept" for the acceptance — submitted, answered and the result, as {@link
 * Outcomes} reads them) to {@code OUT}. An accept is not sent for a record that failed.
 *
 * <pre>CounterpartyFlow DEBTOR_JOIN_DIR DEBTOR CREDITOR_JOIN_DIR CREDITOR ROUNDS WORKERS OUT</pre>
 *
 * Prints "flow started" when the first record is sent.
 */
public final class CounterpartyFlow {
  /** The suffix of an acceptance's outcome id. */
  static final String ACCEPT = "/accept";

  private CounterpartyFlow() {}

  public static void main(String[] args) throws Exception {
    Path debtorJoined = Path.of(args[0]);
    String debtor = args[1];
    Path creditorJoined = Path.of(args[2]);
    String creditor = args[3];
    int rounds = Integer.parseInt(args[4]);
    int workers = Integer.parseInt(args[5]);
    Path out = Path.of(args[6]);
    ConcurrentLinkedQueue<Outcomes.Outcome> outcomes = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(workers);
    try (GatewayProbe.Connection recorderSide = GatewayProbe.open(debtorJoined);
        GatewayProbe.Connection creditorSide = GatewayProbe.open(creditorJoined)) {
      Contract recorder =
          recorderSide.gateway().getNetwork(recorderSide.ledger()).getContract("obligations");
      Contract counterparty =
          creditorSide.gateway().getNetwork(creditorSide.ledger()).getContract("obligations");
      String run = Long.toString(AcrossHostsLoad.now(), 36);
      System.out.println("flow started");
      List<Future<?>> loops = new ArrayList<>();
      for (int w = 0; w < workers; w++) {
        int worker = w;
        loops.add(
            pool.submit(
                () -> {
                  for (int i = worker; i < rounds; i += workers) {
                    String id = "flow-" + run + "-" + i;
                    Outcomes.Outcome recorded =
                        Outcomes.record(
                            recorder,
                            id,
                            debtor,
                            creditor,
                            AcrossHostsLoad.now(),
                            AcrossHostsLoad::now);
                    outcomes.add(recorded);
                    if (recorded.valid()) {
                      outcomes.add(
                          Outcomes.submit(
                              counterparty,
                              id + ACCEPT,
                              AcrossHostsLoad.now(),
                              AcrossHostsLoad::now,
                              "accept",
                              id));
                    }
                  }
                }));
      }
      for (Future<?> loop : loops) {
        loop.get(1, TimeUnit.HOURS);
      }
      try (PrintWriter writer =
          new PrintWriter(Files.newBufferedWriter(out, StandardCharsets.UTF_8))) {
        outcomes.forEach(o -> writer.println(o.line()));
      }
      System.out.println("flow finished");
    } finally {
      pool.shutdownNow();
    }
  }
}
