package io.patchwork.node.peer;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;

/**
 * Sends envelopes to the ledger's orderers through Fabric's AtomicBroadcast service. An orderer
 * that cannot be reached, or that answers SERVICE_UNAVAILABLE, is skipped for the next one.
 * Thread-safe.
 */
final class OrdererClient {
  /** An orderer's address and stub. */
  record Endpoint(String address, AtomicBroadcastGrpc.AtomicBroadcastStub stub) {}

  private static final long TIMEOUT_SECONDS = 30;

  private final List<Endpoint> orderers;
  private final AtomicInteger preferred = new AtomicInteger();

  OrdererClient(List<Endpoint> orderers) {
    if (orderers.isEmpty()) {
      throw new IllegalArgumentException("a ledger has at least one orderer");
    }
    this.orderers = List.copyOf(orderers);
  }

  List<Endpoint> endpoints() {
    return orderers;
  }

  /**
   * Broadcasts the envelope; completes with the orderer's response (SUCCESS once it is ordered
   * durably), or exceptionally if no orderer answered.
   */
  CompletableFuture<BroadcastResponse> broadcast(Envelope envelope) {
    CompletableFuture<BroadcastResponse> result = new CompletableFuture<>();
    attempt(envelope, preferred.get(), 0, result);
    return result;
  }

  private void attempt(
      Envelope envelope, int index, int tried, CompletableFuture<BroadcastResponse> result) {
    if (tried >= orderers.size()) {
      result.completeExceptionally(
          Status.UNAVAILABLE.withDescription("no orderer accepted the transaction").asException());
      return;
    }
    Endpoint endpoint = orderers.get(Math.floorMod(index, orderers.size()));
    StreamObserver<Envelope> requests =
        endpoint
            .stub()
            .withDeadlineAfter(TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .broadcast(
                new StreamObserver<>() {
                  private boolean answered;

                  @Override
                  public void onNext(BroadcastResponse response) {
                    answered = true;
                    if (response.getStatus()
                        == org.hyperledger.fabric.protos.common.Status.SERVICE_UNAVAILABLE) {
                      retry();
                    } else {
                      preferred.set(index);
                      result.complete(response);
                    }
                  }

                  @Override
                  public void onError(Throwable failure) {
                    if (!answered) {
                      retry();
                    }
                  }

                  @Override
                  public void onCompleted() {
                    if (!answered) {
                      retry();
                    }
                  }

                  private void retry() {
                    attempt(envelope, index + 1, tried + 1, result);
                  }
                });
    requests.onNext(envelope);
    requests.onCompleted();
  }
}
