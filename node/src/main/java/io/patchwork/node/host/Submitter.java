package io.patchwork.node.host;

import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.state.TxRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hyperledger.fabric.protos.common.Envelope;

/**
 * Submits a signed envelope through a peer and waits for the peer to commit it: {@link
 * PeerNode#submit} broadcasts it with failover and the commit completes the future, so nothing
 * polls; this only bounds the wait and turns the outcome into checked exceptions.
 */
final class Submitter {
  private Submitter() {}

  /**
   * The transaction's record on the peer: block, position and validation code.
   *
   * @throws IOException if no orderer took it, with the reason it gave
   * @throws TimeoutException if the peer did not commit it in time
   * @throws IllegalArgumentException if the envelope has no readable header
   */
  static TxRecord submit(PeerNode peer, Envelope envelope, Duration timeout)
      throws IOException, InterruptedException, TimeoutException {
    CompletableFuture<TxRecord> committed = peer.submit(envelope);
    try {
      return committed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new TimeoutException(
          "peer " + peer.nodeId() + " did not commit the transaction within " + timeout);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IllegalArgumentException malformed) {
        throw malformed;
      }
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } finally {
      committed.cancel(false);
    }
  }
}
