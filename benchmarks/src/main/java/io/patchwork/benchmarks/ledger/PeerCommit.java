package io.patchwork.benchmarks.ledger;

import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.host.LocalLedger;
import io.patchwork.node.peer.PeerLedger;
import io.patchwork.node.state.StateResources;
import io.patchwork.node.state.WorldState;
import io.patchwork.node.store.BlockStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.peer.TxValidationCode;

/**
 * One peer's own cost per transaction: what every peer of a ledger pays for every transaction, and
 * what a 100-node ledger in one process pays 95 times. A fresh peer ledger (its own block store and
 * world state on disk, the built-in contracts) validates and commits every block another peer
 * holds, on one thread, with nothing else running: verifying each block's chain and orderer
 * signature, validating every transaction (identities, signatures, endorsement policy, MVCC reads),
 * storing the block with an fsync and writing its state. Wall time includes waiting for the fsync;
 * the CPU time of the thread does not. Each round alternates a cold signature cache (the first peer
 * of a process to see a block computes every signature) and the ledger's warm one (what the other
 * peers find). Steadier than the ledger's throughput on a shared machine, because it times one
 * thread doing a fixed amount of work.
 */
final class PeerCommit {
  private PeerCommit() {}

  static void measure(LocalLedger ledger, int rounds, Path directory) throws Exception {
    PeerLedger source = ledger.peers().get(0).ledger();
    List<Block> blocks = new ArrayList<>();
    long transactions = 0;
    for (long number = 1; number < source.height(); number++) {
      Block block = source.blocks().get(number).orElseThrow();
      blocks.add(block);
      transactions += block.getData().getDataCount();
    }
    List<Double> cold = new ArrayList<>();
    List<Double> warm = new ArrayList<>();
    List<Double> coldCpu = new ArrayList<>();
    List<Double> warmCpu = new ArrayList<>();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    try (StateResources resources = StateResources.create(64L << 20)) {
      for (int round = 0; round < rounds; round++) {
        boolean coldCache = round % 2 == 0;
        SignatureVerifier verifier =
            coldCache ? new SignatureVerifier(1_000_000) : ledger.verifier();
        Path peer = directory.resolve("round-" + round);
        long nanos;
        long cpuNanos;
        try (PeerLedger fresh =
            PeerLedger.open(
                BlockStore.open(peer.resolve("blocks")),
                WorldState.open(peer.resolve("state"), resources),
                ledger.genesis(),
                verifier)) {
          long start = System.nanoTime();
          long cpuStart = threads.getCurrentThreadCpuTime();
          for (Block block : blocks) {
            long valid =
                fresh.commit(block).transactions().stream()
                    .filter(tx -> tx.code() == TxValidationCode.VALID)
                    .count();
            if (valid != block.getData().getDataCount()) {
              throw new IllegalStateException(
                  "block " + block.getHeader().getNumber() + " did not validate as it did before");
            }
          }
          nanos = System.nanoTime() - start;
          cpuNanos = threads.getCurrentThreadCpuTime() - cpuStart;
          if (!fresh.state().stateHash().equals(source.state().stateHash())) {
            throw new IllegalStateException(
                "the fresh peer's state hash differs from the source's");
          }
        }
        Clients.delete(peer);
        double micros = nanos / 1e3 / transactions;
        double cpuMicros = cpuNanos / 1e3 / transactions;
        (coldCache ? cold : warm).add(micros);
        (coldCache ? coldCpu : warmCpu).add(cpuMicros);
        System.out.printf(
            Locale.ROOT,
            "peer commit round %d (%s signature cache): %.1f µs per transaction, %.1f µs of it on"
                + " the CPU%n",
            round + 1,
            coldCache ? "cold" : "warm",
            micros,
            cpuMicros);
      }
    }
    System.out.printf(
        Locale.ROOT,
        "PEER-COMMIT %d transactions in %d blocks, one thread: median %.1f µs per transaction with"
            + " a cold signature cache (CPU %.1f µs), %.1f µs warm (CPU %.1f µs); rounds: cold %s,"
            + " warm %s%n",
        transactions,
        blocks.size(),
        median(cold),
        median(coldCpu),
        median(warm),
        median(warmCpu),
        rounded(cold),
        rounded(warm));
  }

  private static List<Long> rounded(List<Double> values) {
    return values.stream().map(Math::round).toList();
  }

  private static double median(List<Double> values) {
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int middle = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  }
}
