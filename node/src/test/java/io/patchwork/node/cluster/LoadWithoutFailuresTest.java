package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.node.config.proto.EndorsementPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.GatewayException;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closed-loop load on a ledger shaped like Fabric's test network (one orderer, two organisations
 * with a peer each, both must endorse) through the official Fabric Gateway client: 128 workers
 * transfer tokens without a pause, and not one transaction fails — an endorser that is a block
 * behind the gateway waits for it instead of answering from an older state.
 */
@Tag("cluster")
class LoadWithoutFailuresTest {
  private static final int WORKERS = 128;
  private static final Duration LOAD = Duration.ofSeconds(30);

  @TempDir Path directory;

  @Test
  void one_hundred_and_twenty_eight_workers_transfer_for_thirty_seconds_and_none_fails()
      throws Exception {
    Cluster.run(
        directory,
        Cluster.options()
            .organizations(2)
            .orderers(1)
            .endorsement(EndorsementPolicy.Rule.AT_LEAST, 2)
            .blocks(500, Duration.ofMillis(100)),
        cluster -> {
          List<Contract> tokens =
              List.of(
                  cluster
                      .gateway(cluster.admin("BankAMSP"), "peer0")
                      .getNetwork("trade")
                      .getContract("ledger-token"),
                  cluster
                      .gateway(cluster.admin("BankBMSP"), "peer1")
                      .getNetwork("trade")
                      .getContract("ledger-token"));
          List<String> msps = List.of("BankAMSP", "BankBMSP");
          ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
          try {
            List<Future<?>> funded = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
              int worker = w;
              funded.add(
                  pool.submit(
                      () ->
                          tokens
                              .get(worker % 2)
                              .submitTransaction(
                                  "issue", msps.get(worker % 2) + "/w" + worker, "1000000")));
            }
            for (Future<?> issue : funded) {
              issue.get(120, TimeUnit.SECONDS);
            }
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong committed = new AtomicLong();
            Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
            Map<String, String> examples = new ConcurrentHashMap<>();
            List<Future<?>> loops = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
              int worker = w;
              String from = msps.get(worker % 2) + "/w" + worker;
              String to = msps.get((worker + 1) % 2) + "/w" + worker;
              Contract token = tokens.get(worker % 2);
              loops.add(
                  pool.submit(
                      () -> {
                        while (running.get()) {
                          try {
                            token.submitTransaction("transfer", from, to, "1");
                            committed.incrementAndGet();
                          } catch (Exception e) {
                            String kind =
                                e.getClass().getSimpleName()
                                    + (e instanceof GatewayException g
                                        ? " " + g.getStatus().getCode()
                                        : "");
                            failures.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
                            examples.putIfAbsent(kind, String.valueOf(e.getMessage()));
                          }
                        }
                        return null;
                      }));
            }
            Thread.sleep(LOAD.toMillis());
            running.set(false);
            for (Future<?> loop : loops) {
              loop.get(120, TimeUnit.SECONDS);
            }
            assertThat(failures).as("failed transactions by kind: " + examples).isEmpty();
            assertThat(committed.get()).isGreaterThan(1_000);
          } finally {
            pool.shutdownNow();
          }
        });
  }
}
