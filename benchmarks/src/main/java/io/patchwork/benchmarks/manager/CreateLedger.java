package io.patchwork.benchmarks.manager;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.manager.ledger.LedgerRecord;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.manager.ledger.LedgerStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Times what {@code POST /ledgers} sets off: from accepting a request to the ledger being ACTIVE
 * (its authority, every node's certificates, the genesis block, every node started and bound).
 */
@Command(
    name = "create-ledger",
    mixinStandardHelpOptions = true,
    description = "Time create-to-ACTIVE for ledgers made by the network manager.")
public final class CreateLedger implements Callable<Integer> {
  @Option(names = "--parties", defaultValue = "17", description = "Member organisations.")
  int parties;

  @Option(names = "--orderers", defaultValue = "3")
  int orderers;

  @Option(names = "--runs", defaultValue = "3")
  int runs;

  public static void main(String[] args) {
    System.exit(new CommandLine(new CreateLedger()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path directory = Files.createTempDirectory("patchwork-create-ledger-");
    List<Double> seconds = new ArrayList<>();
    try (EmbeddedDatabase database = EmbeddedDatabase.open(directory.resolve("registry"))) {
      try (LedgerService service =
          BenchServices.ledgerService(directory, database, new SimpleMeterRegistry())) {
        for (int run = 0; run <= runs; run++) {
          List<LedgerRecord.Party> members = new ArrayList<>();
          for (int i = 0; i < parties; i++) {
            members.add(new LedgerRecord.Party("Org " + i, "Org" + i + "MSP"));
          }
          long started = System.nanoTime();
          LedgerRecord record =
              service.accept(
                  new LedgerService.Request(
                      "bench-" + run,
                      "payments-netting",
                      members,
                      Map.of("topology.orderers", String.valueOf(orderers))));
          service.provision(record);
          double elapsed = (System.nanoTime() - started) / 1e9;
          LedgerStatus status = service.registry().get(record.id()).orElseThrow().status();
          if (status != LedgerStatus.ACTIVE) {
            throw new IllegalStateException("ledger " + record.id() + " is " + status);
          }
          System.out.printf(
              Locale.ROOT,
              "run %d: %d nodes ACTIVE in %.2f s%s%n",
              run,
              orderers + parties,
              elapsed,
              run == 0 ? " (warm-up, not counted)" : "");
          if (run > 0) {
            seconds.add(elapsed);
          }
          service.stop(record.id());
        }
      }
    }
    double[] sorted = seconds.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    System.out.printf(
        Locale.ROOT,
        "RESULT %d nodes: create to ACTIVE median %.2f s (range %.2f-%.2f), %d runs; date %s, %d"
            + " processors%n",
        orderers + parties,
        sorted[sorted.length / 2],
        sorted[0],
        sorted[sorted.length - 1],
        sorted.length,
        LocalDate.now(),
        Runtime.getRuntime().availableProcessors());
    return 0;
  }
}
