package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.patchwork.node.host.NodeCommand;
import io.patchwork.node.peer.PeerNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.hyperledger.fabric.client.Contract;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A peer run as its own process with {@code patchwork node run}, killed with SIGKILL. */
@Tag("cluster")
class StandaloneNodeTest {
  @TempDir Path directory;

  @Test
  void a_standalone_peer_killed_mid_stream_restarts_catches_up_and_reaches_the_same_state_hash()
      throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(3).orderers(1).blocks(10, Duration.ofMillis(20)),
        cluster -> {
          Contract token = cluster.token(cluster.admin("BankAMSP"));
          token.submitTransaction("issue", "BankAMSP", "1000000");
          StandaloneNode peer2 = cluster.runStandalone("peer2");

          AtomicBoolean running = new AtomicBoolean(true);
          AtomicInteger committed = new AtomicInteger();
          Queue<String> failures = new ConcurrentLinkedQueue<>();
          ExecutorService clients = Executors.newFixedThreadPool(2);
          Future<?> loop =
              clients.submit(
                  () -> {
                    while (running.get()) {
                      try {
                        token.submitTransaction("transfer", "BankAMSP", "BankCMSP", "1");
                        committed.incrementAndGet();
                      } catch (Exception e) {
                        // Not committed (say, endorsement timed out while peer2 was away): it
                        // moved nothing, so the balance below still counts only the committed.
                        failures.add(e.toString());
                      }
                    }
                    return null;
                  });
          // Let the standalone peer commit blocks from the stream, then kill it mid-stream.
          long killedAt = awaitPeer2Balance(cluster, 1, Duration.ofSeconds(60));
          peer2.kill();
          int beforeRestart = committed.get();
          waitUntil(() -> committed.get() >= beforeRestart + 20, Duration.ofSeconds(60), failures);
          peer2.start();
          int afterRestart = committed.get();
          waitUntil(() -> committed.get() >= afterRestart + 20, Duration.ofSeconds(60), failures);
          running.set(false);
          loop.get(60, TimeUnit.SECONDS);
          clients.shutdown();

          // Caught up: the standalone peer answers with the balance every other peer holds.
          int total = committed.get();
          assertThat(total).isGreaterThan((int) killedAt);
          awaitPeer2Balance(cluster, total, Duration.ofSeconds(60));
          PeerNode peer0 = cluster.ledger().peer("peer0");
          cluster.awaitHeight(peer0.ledger().height(), Duration.ofSeconds(30));
          // SIGTERM runs the shutdown hook, which closes the node; the JVM then exits 128 + 15.
          assertThat(peer2.stop()).as("exit code after SIGTERM").isEqualTo(143);
          assertThat(peer2.logText()).contains("node peer2 stopped");

          StringWriter out = new StringWriter();
          StringWriter err = new StringWriter();
          int exit =
              NodeCommand.execute(
                  new PrintWriter(out, true),
                  new PrintWriter(err, true),
                  "snapshot",
                  "--genesis",
                  directory.resolve("standalone/peer2/genesis.block").toString(),
                  "--data-dir",
                  peer2.dataDirectory().toString(),
                  "--out",
                  directory.resolve("peer2.snapshot").toString());
          assertThat(exit).as(err.toString()).isZero();
          assertThat(out.toString())
              .contains("height " + peer0.ledger().state().height() + ",")
              .contains(
                  "state hash "
                      + HexFormat.of().formatHex(peer0.ledger().state().stateHash().toByteArray()));
        });
  }

  /**
   * Waits until peer2, through its own gateway, reports BankCMSP's balance at least {@code at
   * least}; returns the balance it reported.
   */
  private static long awaitPeer2Balance(Cluster cluster, long atLeast, Duration timeout)
      throws Exception {
    Contract onPeer2 =
        cluster
            .gateway(cluster.admin("BankCMSP"), "peer2")
            .getNetwork("trade")
            .getContract("ledger-token");
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long balance = 0;
      try {
        String answer =
            new String(onPeer2.evaluateTransaction("balance", "BankCMSP"), StandardCharsets.UTF_8);
        balance = Long.parseLong(answer.replaceAll("[^0-9]", ""));
      } catch (Exception notYet) {
        // not reachable yet, or nothing committed for the account
      }
      if (balance >= atLeast) {
        return balance;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "peer2 did not report a balance of " + atLeast + " within " + timeout);
      }
      Thread.sleep(50);
    }
  }

  private static void waitUntil(
      BooleanSupplier condition, Duration timeout, Collection<String> failures)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "transactions stopped committing for " + timeout + "; failures: " + failures);
      }
      Thread.sleep(20);
    }
  }
}
