package io.patchwork.node.peer;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.patchwork.node.crypto.NodeSigner;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.DeliverResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a peer's ledger up with the orderers: streams blocks from one orderer's Deliver service
 * starting at the peer's height and commits them; when the stream fails or the orderer sends a
 * block the peer refuses, it moves to the next orderer after a short pause.
 *
 * <p>One stream at a time; gRPC calls back one message at a time per stream, so commits are in
 * order.
 */
final class BlockPuller implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BlockPuller.class);
  private static final long RETRY_MILLIS = 200;
  private static final long FORBIDDEN_RETRY_MILLIS = 10_000;

  private final String nodeId;
  private final PeerLedger ledger;
  private final List<OrdererClient.Endpoint> orderers;
  private final NodeSigner signer;
  private final ScheduledExecutorService scheduler;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private int current;
  private ClientCallStreamObserver<Envelope> call;
  private boolean closed;
  private volatile boolean forbidden;

  BlockPuller(
      String nodeId,
      PeerLedger ledger,
      List<OrdererClient.Endpoint> orderers,
      NodeSigner signer,
      ScheduledExecutorService scheduler,
      Clock clock) {
    this.nodeId = nodeId;
    this.ledger = ledger;
    this.orderers = List.copyOf(orderers);
    this.signer = signer;
    this.scheduler = scheduler;
    this.clock = clock;
    this.current = Math.floorMod(nodeId.hashCode(), orderers.size());
  }

  synchronized void start() {
    if (closed) {
      return;
    }
    OrdererClient.Endpoint orderer = orderers.get(current);
    AtomicBroadcastGrpc.AtomicBroadcastStub stub = orderer.stub();
    long from = ledger.height();
    stub.deliver(
        new ClientResponseObserver<Envelope, DeliverResponse>() {
          private ClientCallStreamObserver<Envelope> requests;
          private boolean failed;

          @Override
          public void beforeStart(ClientCallStreamObserver<Envelope> requestStream) {
            requests = requestStream;
            synchronized (BlockPuller.this) {
              call = requestStream;
            }
          }

          @Override
          public void onNext(DeliverResponse response) {
            if (response.getStatus() == Status.FORBIDDEN) {
              forbidden = true;
              log.warn(
                  "peer.delivery_forbidden node={} orderer={} hint=\"the orderers no longer"
                      + " admit this peer: is its organisation still a member of the ledger?\"",
                  nodeId,
                  orderer.address());
              return;
            }
            if (failed || !response.hasBlock()) {
              return;
            }
            long number = response.getBlock().getHeader().getNumber();
            if (number < ledger.height()) {
              return;
            }
            try {
              ledger.commit(response.getBlock());
            } catch (PeerLedger.BlockRefusedException | IOException | RuntimeException e) {
              failed = true;
              log.warn(
                  "peer.pull_failed node={} orderer={} block={} reason=\"{}\"",
                  nodeId,
                  orderer.address(),
                  number,
                  e.getMessage());
              requests.cancel("block refused", null);
              retry(true);
            }
          }

          @Override
          public void onError(Throwable failure) {
            if (!failed) {
              log.info(
                  "peer.orderer_stream_ended node={} orderer={} reason=\"{}\"",
                  nodeId,
                  orderer.address(),
                  failure.getMessage());
              retry(true);
            }
          }

          @Override
          public void onCompleted() {
            retry(true);
          }
        });
    call.onNext(seekEnvelope(from));
    call.onCompleted();
  }

  private synchronized void retry(boolean nextOrderer) {
    if (closed) {
      return;
    }
    if (nextOrderer) {
      current = (current + 1) % orderers.size();
    }
    // Refused outright, the peer asks again rarely: membership changes take a vote.
    long delay = forbidden ? FORBIDDEN_RETRY_MILLIS : RETRY_MILLIS;
    forbidden = false;
    scheduler.schedule(this::start, delay, TimeUnit.MILLISECONDS);
  }

  private Envelope seekEnvelope(long from) {
    return SeekEnvelopes.seek(
        ledger.rules().ledgerId(), signer, clock.instant(), random, from, Long.MAX_VALUE);
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (call != null) {
      call.cancel("peer closing", null);
    }
  }
}
