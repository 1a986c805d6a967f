package io.patchwork.node.peer;

import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.hyperledger.fabric.protos.common.Block;

/**
 * Sends a peer's committed blocks to one subscriber, in order, from a start number up to an
 * optional stop number, then follows new commits — without holding a thread while it waits.
 *
 * <p>Blocks are read from the peer's block store on the executor. A commit only wakes the feed; one
 * drainer at a time sends everything stored past what was sent, so the subscriber sees each block
 * once, in order, never concurrently.
 */
final class BlockFeed {
  /** What the subscriber does with blocks; returns false to end the feed. */
  interface Subscriber {
    boolean accept(Block block);

    void ended(Throwable failure);
  }

  private final PeerLedger ledger;
  private final Executor executor;
  private final Subscriber subscriber;
  private final long stop;
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Consumer<CommittedBlock> listener = this::committed;
  private long next;

  private BlockFeed(
      PeerLedger ledger, Executor executor, long start, long stop, Subscriber subscriber) {
    this.ledger = ledger;
    this.executor = executor;
    this.next = start;
    this.stop = stop;
    this.subscriber = subscriber;
  }

  /**
   * Starts a feed from {@code start} to {@code stop} inclusive ({@code Long.MAX_VALUE}: follow).
   */
  static BlockFeed start(
      PeerLedger ledger, Executor executor, long start, long stop, Subscriber subscriber) {
    BlockFeed feed = new BlockFeed(ledger, executor, start, stop, subscriber);
    ledger.onCommit(feed.listener);
    feed.schedule();
    return feed;
  }

  void close() {
    if (closed.compareAndSet(false, true)) {
      ledger.removeListener(listener);
    }
  }

  private void committed(CommittedBlock block) {
    if (!closed.get()) {
      schedule();
    }
  }

  private void schedule() {
    if (pending.getAndIncrement() == 0) {
      executor.execute(this::drain);
    }
  }

  private void drain() {
    do {
      try {
        if (!closed.get()) {
          send();
        }
      } catch (IOException | RuntimeException e) {
        close();
        subscriber.ended(e);
        return;
      }
    } while (pending.decrementAndGet() > 0);
  }

  private void send() throws IOException {
    while (!closed.get() && next <= stop && next < ledger.height()) {
      Block block = ledger.blocks().get(next).orElseThrow();
      if (!deliver(block)) {
        return;
      }
    }
  }

  private boolean deliver(Block block) {
    next = block.getHeader().getNumber() + 1;
    boolean more = subscriber.accept(block);
    if (!more || next > stop) {
      close();
      subscriber.ended(null);
      return false;
    }
    return true;
  }
}
