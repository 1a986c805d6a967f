package io.patchwork.benchmarks.manager;

import io.patchwork.manager.Manager;
import io.patchwork.manager.ledger.LedgerRecord;
import io.patchwork.manager.ledger.LedgerService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Latency of the network manager's API under concurrent clients: each client sends {@code GET
 * /ledgers/{id}} as the operator (token check, registry read, every node's height) back to back
 * over HTTP/1.1 keep-alive against a running 5-node ledger; latencies of a measured window after a
 * warm-up.
 */
@Command(
    name = "api-latency",
    mixinStandardHelpOptions = true,
    description = "Time the network manager's API under concurrent clients.")
public final class ApiLatency implements Callable<Integer> {
  @Option(names = "--clients", defaultValue = "50")
  int clients;

  @Option(names = "--warmup", defaultValue = "PT10S")
  Duration warmup;

  @Option(names = "--measure", defaultValue = "PT20S")
  Duration measure;

  public static void main(String[] args) {
    System.exit(new CommandLine(new ApiLatency()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path directory = Files.createTempDirectory("patchwork-api-latency-");
    try (Manager manager = BenchServices.manager(directory)) {
      LedgerService service = manager.ledgers();
      LedgerRecord record =
          service.accept(
              new LedgerService.Request(
                  "trade",
                  "payments-netting",
                  List.of(
                      new LedgerRecord.Party("Bank A", "BankAMSP"),
                      new LedgerRecord.Party("Bank B", "BankBMSP")),
                  Map.of()));
      service.provision(record);
      String token =
          Files.readString(manager.operatorTokenFile(), StandardCharsets.US_ASCII).strip();
      measure(URI.create(manager.url() + "/ledgers/trade"), token);
    }
    return 0;
  }

  private void measure(URI uri, String token) throws Exception {
    AtomicBoolean measuring = new AtomicBoolean();
    AtomicBoolean running = new AtomicBoolean(true);
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<Future<long[]>> results = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      results.add(
          pool.submit(
              () -> {
                HttpClient http =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                HttpRequest request =
                    HttpRequest.newBuilder(uri).header("authorization", "Bearer " + token).build();
                long[] latencies = new long[1 << 20];
                int count = 0;
                while (running.get()) {
                  long start = System.nanoTime();
                  HttpResponse<String> response =
                      http.send(request, HttpResponse.BodyHandlers.ofString());
                  long elapsed = System.nanoTime() - start;
                  if (response.statusCode() != 200) {
                    throw new IllegalStateException("status " + response.statusCode());
                  }
                  if (measuring.get() && count < latencies.length) {
                    latencies[count++] = elapsed;
                  }
                }
                return Arrays.copyOf(latencies, count);
              }));
    }
    Thread.sleep(warmup.toMillis());
    measuring.set(true);
    Thread.sleep(measure.toMillis());
    measuring.set(false);
    running.set(false);
    List<long[]> all = new ArrayList<>();
    int total = 0;
    for (Future<long[]> result : results) {
      long[] latencies = result.get(60, TimeUnit.SECONDS);
      all.add(latencies);
      total += latencies.length;
    }
    pool.shutdown();
    long[] merged = new long[total];
    int at = 0;
    for (long[] latencies : all) {
      System.arraycopy(latencies, 0, merged, at, latencies.length);
      at += latencies.length;
    }
    Arrays.sort(merged);
    System.out.printf(
        Locale.ROOT,
        "RESULT GET /ledgers/{id}, %d clients: %.0f requests/s; latency p50 %.1f ms, p99 %.1f ms,"
            + " max %.1f ms; %d requests in %d s; date %s, %d processors%n",
        clients,
        total / (double) measure.toSeconds(),
        merged[total / 2] / 1e6,
        merged[Math.max(0, (int) Math.ceil(total * 0.99) - 1)] / 1e6,
        merged[total - 1] / 1e6,
        total,
        measure.toSeconds(),
        LocalDate.now(),
        Runtime.getRuntime().availableProcessors());
  }
}
