package io.patchwork.node.net;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.Optional;
import java.util.function.Function;
import org.hyperledger.fabric.protos.common.Status;

/**
 * One call of Fabric's Deliver service, orderers' and peers' alike: a client may send one seek
 * after another on the same call (the {@code peer channel fetch config} command asks for the newest
 * block, then for the last config block it names). Each seek's delivery is answered with its blocks
 * and a SUCCESS status, and the call waits for the next; it ends when the client half-closes after
 * its last seek, or with a refusal's status. Thread-safe.
 *
 * @param <D> a delivery the call's latest seek started
 * @param <R> the response message: the orderers' or the peers' {@code DeliverResponse}
 */
public final class DeliverCall<D, R> {
  private final ServerCallStreamObserver<R> stream;
  private final Function<Status, R> status;
  private D active;
  private boolean halfClosed;
  private boolean ended;

  /** A call answering on {@code stream}, a status as {@code status} makes the response. */
  public DeliverCall(ServerCallStreamObserver<R> stream, Function<Status, R> status) {
    this.stream = stream;
    this.status = status;
  }

  public ServerCallStreamObserver<R> stream() {
    return stream;
  }

  /** The delivery running now, if one is. */
  public synchronized Optional<D> active() {
    return Optional.ofNullable(active);
  }

  /** Makes {@code next} (or none) the active delivery; answers the one it replaces. */
  public synchronized Optional<D> replace(D next) {
    D previous = active;
    active = next;
    return Optional.ofNullable(previous);
  }

  /** A seek refused or cut short: its status, and the call ends, as Fabric's nodes end it. */
  public synchronized void refuse(Status refusal) {
    if (ended) {
      return;
    }
    ended = true;
    stream.onNext(status.apply(refusal));
    stream.onCompleted();
  }

  /** {@code delivery} reached its stop: SUCCESS, and the call waits for the next seek. */
  public synchronized void succeeded(D delivery) {
    if (ended) {
      return;
    }
    stream.onNext(status.apply(Status.SUCCESS));
    if (active == delivery) {
      active = null;
    }
    if (halfClosed && active == null) {
      ended = true;
      stream.onCompleted();
    }
  }

  /** The client sent its last seek; the call ends once the running delivery has. */
  public synchronized void halfClosed() {
    halfClosed = true;
    if (active == null && !ended) {
      ended = true;
      stream.onCompleted();
    }
  }
}
