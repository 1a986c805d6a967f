package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.peer.PeerNode;
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
 * Closed-loop load through the official Fabric Gateway client, 128 workers transferring tokens
 * without a pause for a minute, and not one transaction fails — an endorser that is a block behind
 * the gateway waits for it instead of answering from an older state. On a ledger shaped like
 * Fabric's test network (one orderer, two organisations with a peer each, both must endorse) and on
 * 20 nodes (three orderers, seventeen organisations, two must endorse).
 */
@Tag("cluster")
class LoadWithoutFailuresTest {
  private static final int WORKERS = 128;
  private static final Duration LOAD = Duration.ofSeconds(60);

  @TempDir Path directory;

  @Test
  void on_fabrics_test_network_shape_128_workers_transfer_for_a_minute_and_none_fails()
      throws Exception {
    load(2, 1);
  }

  @Test
  void on_20_nodes_128_workers_transfer_for_a_minute_and_none_fails() throws Exception {
    load(17, 3);
  }

  private void load(int organizations, int orderers) throws Exception {
    Cluster.run(
        directory,
        Cluster.options()
            .organizations(organizations)
            .orderers(orderers)
            .endorsement(EndorsementPolicy.Rule.AT_LEAST, 2)
            .blocks(500, Duration.ofMillis(100)),
        cluster -> {
          assertThat(cluster.ledger().peers().size() + cluster.ledger().orderers().size())
              .isEqualTo(organizations + orderers);
          List<Contract> tokens = new ArrayList<>();
          List<String> msps = new ArrayList<>();
          for (PeerNode peer : cluster.ledger().peers()) {
            msps.add(peer.mspId());
            tokens.add(
                cluster
                    .gateway(cluster.admin(peer.mspId()), peer.nodeId())
                    .getNetwork("trade")
                    .getContract("ledger-token"));
          }
          ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
          try {
            List<Future<?>> funded = new ArrayList<>();
            for (int w = 0; w < WORKERS; w++) {
              int worker = w;
              int org = worker % organizations;
              funded.add(
                  pool.submit(
                      () ->
                          tokens
                              .get(org)
                              .submitTransaction(
                                  "issue", msps.get(org) + "/w" + worker, "1000000")));
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
              int org = w % organizations;
              String from = msps.get(org) + "/w" + w;
              String to = msps.get((org + 1) % organizations) + "/w" + w;
              Contract token = tokens.get(org);
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
            assertThat(committed.get()).isGreaterThan(2_000);
          } finally {
            pool.shutdownNow();
          }
        });
  }
}
