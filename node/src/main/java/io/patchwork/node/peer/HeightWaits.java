package io.patchwork.node.peer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Endorsements waiting for this peer to reach a height: a gateway elsewhere simulated at that
 * height, and this peer's simulation must see at least what that one read. Registered as a commit
 * listener; a wait completes once the peer has committed every block below the height, or at once
 * if it has. Thread-safe.
 */
final class HeightWaits {
  private final PeerLedger ledger;
  private final ConcurrentSkipListMap<Long, List<CompletableFuture<Void>>> waiting =
      new ConcurrentSkipListMap<>();

  HeightWaits(PeerLedger ledger) {
    this.ledger = ledger;
    ledger.onCommit(block -> reached(block.number() + 1));
  }

  /**
   * Completes once the peer's height (the next block it expects) is at least {@code height}. Cancel
   * it (or let it time out) to stop waiting.
   */
  CompletableFuture<Void> await(long height) {
    if (ledger.height() >= height) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> future = new CompletableFuture<>();
    waiting.computeIfAbsent(height, h -> new CopyOnWriteArrayList<>()).add(future);
    future.whenComplete((done, failure) -> forget(height, future));
    // The block may have committed between the first look and the registration.
    if (ledger.height() >= height) {
      future.complete(null);
    }
    return future;
  }

  private void forget(long height, CompletableFuture<Void> future) {
    waiting.computeIfPresent(
        height,
        (h, futures) -> {
          futures.remove(future);
          return futures.isEmpty() ? null : futures;
        });
  }

  private void reached(long height) {
    for (Map.Entry<Long, List<CompletableFuture<Void>>> due :
        waiting.headMap(height, true).entrySet()) {
      due.getValue().forEach(future -> future.complete(null));
    }
  }
}
