package io.patchwork.manager.ledger;

import java.time.Duration;

/**
 * Ledgers being provisioned right now, so that stopping the service waits for them to come up (and
 * then stops them with the others) and refuses to start new ones. Thread-safe.
 */
final class ProvisioningGate {
  private int inFlight;
  private boolean closed;

  /** Admits one provisioning; false once the service is stopping. */
  synchronized boolean enter() {
    if (closed) {
      return false;
    }
    inFlight++;
    return true;
  }

  synchronized void leave() {
    inFlight--;
    notifyAll();
  }

  /**
   * Admits no more and waits up to {@code timeout} for those admitted to finish.
   *
   * @return how many are still running when it gives up
   */
  synchronized int close(Duration timeout) {
    closed = true;
    long deadline = System.nanoTime() + timeout.toNanos();
    while (inFlight > 0 && System.nanoTime() < deadline) {
      try {
        wait(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return inFlight;
  }
}
