package io.patchwork.node.peer;

import io.patchwork.node.state.TxRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Clients waiting for their transactions to commit on this peer. Registered as a commit listener; a
 * wait completes when the transaction's block commits, or at once if it already has. Thread-safe.
 */
final class CommitWaits {
  private final PeerLedger ledger;
  private final Map<String, List<CompletableFuture<TxRecord>>> waiting = new ConcurrentHashMap<>();

  CommitWaits(PeerLedger ledger) {
    this.ledger = ledger;
    ledger.onCommit(this::committed);
  }

  /** Completes with the transaction's record once committed. Cancel it to stop waiting. */
  CompletableFuture<TxRecord> await(String txId) {
    Optional<TxRecord> done = ledger.state().transaction(txId);
    if (done.isPresent()) {
      return CompletableFuture.completedFuture(done.get());
    }
    CompletableFuture<TxRecord> future = new CompletableFuture<>();
    waiting.computeIfAbsent(txId, id -> new CopyOnWriteArrayList<>()).add(future);
    future.whenComplete((record, failure) -> forget(txId, future));
    // The commit may have landed between the first look and the registration.
    ledger.state().transaction(txId).ifPresent(future::complete);
    return future;
  }

  int waiting() {
    return waiting.size();
  }

  private void forget(String txId, CompletableFuture<TxRecord> future) {
    waiting.computeIfPresent(
        txId,
        (id, futures) -> {
          futures.remove(future);
          return futures.isEmpty() ? null : futures;
        });
  }

  private void committed(CommittedBlock block) {
    for (CommittedTransaction tx : block.transactions()) {
      List<CompletableFuture<TxRecord>> futures = waiting.get(tx.txId());
      if (futures != null) {
        TxRecord record =
            new TxRecord(tx.txId(), block.number(), tx.txNumber(), tx.code().getNumber());
        futures.forEach(f -> f.complete(record));
      }
    }
  }
}
