package io.patchwork.node.order;

import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;

/** Sends one envelope to an orderer's Fabric Broadcast service and waits for its answer. */
public final class Broadcasts {
  private Broadcasts() {}

  /**
   * The orderer's answer to {@code envelope} (SUCCESS once it is in the Raft log; otherwise the
   * status and reason it gave).
   *
   * @throws IOException if the orderer could not be reached or did not answer in time
   */
  public static BroadcastResponse send(Channel channel, Envelope envelope, Duration timeout)
      throws IOException, InterruptedException {
    CompletableFuture<BroadcastResponse> answer = new CompletableFuture<>();
    StreamObserver<Envelope> requests =
        AtomicBroadcastGrpc.newStub(channel)
            .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
            .broadcast(
                new StreamObserver<>() {
                  @Override
                  public void onNext(BroadcastResponse response) {
                    answer.complete(response);
                  }

                  @Override
                  public void onError(Throwable failure) {
                    answer.completeExceptionally(failure);
                  }

                  @Override
                  public void onCompleted() {
                    answer.completeExceptionally(new IOException("the orderer sent no answer"));
                  }
                });
    requests.onNext(envelope);
    try {
      return answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new IOException("the orderer did not answer within " + timeout, e);
    } finally {
      requests.onCompleted();
    }
  }
}
