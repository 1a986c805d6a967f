package io.patchwork.node.order;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.patchwork.node.net.DeliverCall;
import io.patchwork.node.tx.EnvelopeHeaders;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.HeaderType;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.orderer.AtomicBroadcastGrpc;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.hyperledger.fabric.protos.orderer.DeliverResponse;
import org.hyperledger.fabric.protos.orderer.SeekInfo;
import org.hyperledger.fabric.protos.orderer.SeekPosition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fabric's AtomicBroadcast on one orderer. Broadcast admits envelopes (size, then the ledger's
 * admission check), batches those from every stream into Raft entries, and answers each stream in
 * request order once its envelopes are committed. Deliver streams stored blocks and follows new
 * ones, respecting flow control. No gRPC thread waits for Raft or for blocks.
 */
final class BroadcastService extends AtomicBroadcastGrpc.AtomicBroadcastImplBase {
  private static final Logger log = LoggerFactory.getLogger(BroadcastService.class);
  private static final int MAX_BATCH_ENVELOPES = 2_000;
  static final long MAX_BATCH_BYTES = 2L << 20;
  private static final int MAX_IN_FLIGHT = 1;

  private final OrdererConfig config;
  private final RaftOrderer orderer;
  private final BlockCutter cutter;
  private final Executor executor;
  private final Set<DeliverStream> deliveries = ConcurrentHashMap.newKeySet();
  private final Object batchLock = new Object();
  private List<Admitted> batch = new ArrayList<>();
  private long batchBytes;
  private int inFlight;
  private volatile boolean closed;

  private record Admitted(ByteString envelope, CompletableFuture<BroadcastResponse> answer) {}

  BroadcastService(
      OrdererConfig config, RaftOrderer orderer, BlockCutter cutter, Executor executor) {
    this.config = config;
    this.orderer = orderer;
    this.cutter = cutter;
    this.executor = executor;
  }

  // ---- Broadcast ----

  @Override
  public StreamObserver<Envelope> broadcast(StreamObserver<BroadcastResponse> responses) {
    return new BroadcastStream(responses);
  }

  /** One client's Broadcast stream: answers go out in the order its envelopes came in. */
  private final class BroadcastStream implements StreamObserver<Envelope> {
    private final StreamObserver<BroadcastResponse> responses;
    private final ArrayDeque<CompletableFuture<BroadcastResponse>> answers = new ArrayDeque<>();
    private boolean halfClosed;
    private boolean finished;

    BroadcastStream(StreamObserver<BroadcastResponse> responses) {
      this.responses = responses;
    }

    @Override
    public void onNext(Envelope envelope) {
      CompletableFuture<BroadcastResponse> answer = admit(envelope);
      synchronized (this) {
        answers.add(answer);
      }
      answer.whenComplete((response, failure) -> drain());
    }

    @Override
    public void onError(Throwable failure) {
      synchronized (this) {
        finished = true;
      }
    }

    @Override
    public void onCompleted() {
      synchronized (this) {
        halfClosed = true;
      }
      drain();
    }

    private synchronized void drain() {
      if (finished) {
        return;
      }
      while (!answers.isEmpty() && answers.peek().isDone()) {
        responses.onNext(answers.poll().join());
      }
      if (halfClosed && answers.isEmpty()) {
        finished = true;
        responses.onCompleted();
      }
    }
  }

  /** Whether the config in force no longer lists this orderer: the members voted it out. */
  private boolean removed() {
    return cutter.rules().orderers().stream()
        .noneMatch(o -> o.getNodeId().equals(orderer.nodeId()));
  }

  private CompletableFuture<BroadcastResponse> admit(Envelope envelope) {
    if (closed) {
      return CompletableFuture.completedFuture(
          response(Status.SERVICE_UNAVAILABLE, "orderer " + orderer.nodeId() + " is stopping"));
    }
    if (removed()) {
      return CompletableFuture.completedFuture(
          response(
              Status.SERVICE_UNAVAILABLE,
              "orderer " + orderer.nodeId() + " was removed from the ledger's ordering group"));
    }
    int size = envelope.getSerializedSize();
    if (size > config.maxEnvelopeBytes()) {
      return refused(
          "envelope of " + size + " bytes exceeds the limit of " + config.maxEnvelopeBytes());
    }
    Optional<String> malformed = malformed(envelope);
    if (malformed.isPresent()) {
      return refused(malformed.get());
    }
    Optional<String> refusal = config.check().refuse(envelope, cutter.rules());
    if (refusal.isPresent()) {
      return refused(refusal.get());
    }
    CompletableFuture<BroadcastResponse> answer = new CompletableFuture<>();
    enqueue(new Admitted(envelope.toByteString(), answer));
    return answer;
  }

  private Optional<String> malformed(Envelope envelope) {
    try {
      ChannelHeader header = EnvelopeHeaders.read(envelope).channel();
      if (!config.ledgerId().equals(header.getChannelId())) {
        return Optional.of(
            "envelope is for ledger '" + header.getChannelId() + "', not " + config.ledgerId());
      }
      if (header.getType() != HeaderType.ENDORSER_TRANSACTION_VALUE) {
        return Optional.of("envelope type " + header.getType() + " is not ordered here");
      }
      return Optional.empty();
    } catch (InvalidProtocolBufferException e) {
      return Optional.of("envelope cannot be decoded");
    }
  }

  private static CompletableFuture<BroadcastResponse> refused(String reason) {
    log.debug("order.broadcast_refused reason=\"{}\"", reason);
    return CompletableFuture.completedFuture(response(Status.BAD_REQUEST, reason));
  }

  private static BroadcastResponse response(Status status, String info) {
    return BroadcastResponse.newBuilder().setStatus(status).setInfo(info).build();
  }

  /**
   * Adds an admitted envelope to the next Raft entry. An entry is sent at once when fewer than
   * {@link #MAX_IN_FLIGHT} are in flight; otherwise envelopes gather until one returns — so light
   * load gets low latency and heavy load gets large entries.
   */
  private void enqueue(Admitted admitted) {
    List<Admitted> ready = null;
    synchronized (batchLock) {
      batch.add(admitted);
      batchBytes += admitted.envelope().size();
      if (inFlight < MAX_IN_FLIGHT
          || batch.size() >= MAX_BATCH_ENVELOPES
          || batchBytes >= MAX_BATCH_BYTES) {
        ready = takeBatch();
      }
    }
    if (ready != null) {
      send(ready);
    }
  }

  /** Whether every envelope this orderer admitted is in the Raft log: none queued or in flight. */
  boolean idle() {
    synchronized (batchLock) {
      return inFlight == 0 && batch.isEmpty();
    }
  }

  private List<Admitted> takeBatch() {
    List<Admitted> ready = batch;
    batch = new ArrayList<>();
    batchBytes = 0;
    inFlight++;
    return ready;
  }

  private void send(List<Admitted> envelopes) {
    List<ByteString> bytes = new ArrayList<>(envelopes.size());
    envelopes.forEach(a -> bytes.add(a.envelope()));
    orderer
        .submit(RaftOrderer.batch(bytes))
        .whenComplete(
            (reply, failure) -> {
              BroadcastResponse response;
              if (failure == null && reply.isSuccess()) {
                response = response(Status.SUCCESS, "");
              } else {
                Throwable cause =
                    failure != null && failure.getCause() != null ? failure.getCause() : failure;
                String why =
                    cause != null ? cause.toString() : String.valueOf(reply.getException());
                log.warn(
                    "order.broadcast_failed node={} envelopes={} reason=\"{}\"",
                    orderer.nodeId(),
                    envelopes.size(),
                    why);
                response =
                    response(
                        Status.SERVICE_UNAVAILABLE,
                        "the ordering service could not commit the transaction (no Raft quorum?): "
                            + why);
              }
              envelopes.forEach(a -> a.answer().complete(response));
              List<Admitted> next = null;
              synchronized (batchLock) {
                inFlight--;
                if (!batch.isEmpty()) {
                  next = takeBatch();
                }
              }
              if (next != null) {
                send(next);
              } else {
                orderer.checkCutSoon();
              }
            });
  }

  // ---- Deliver ----

  /**
   * Fabric's Deliver: a client may send one seek after another on the same call, as Fabric's own
   * orderers take them ({@link DeliverCall}).
   */
  @Override
  public StreamObserver<Envelope> deliver(StreamObserver<DeliverResponse> responses) {
    ServerCallStreamObserver<DeliverResponse> stream =
        (ServerCallStreamObserver<DeliverResponse>) responses;
    DeliverCall<DeliverStream, DeliverResponse> call =
        new DeliverCall<>(stream, status -> DeliverResponse.newBuilder().setStatus(status).build());
    // gRPC takes these handlers only before this method returns; they reach whichever delivery
    // the stream's latest request started.
    stream.setOnReadyHandler(() -> call.active().ifPresent(DeliverStream::wake));
    stream.setOnCancelHandler(() -> call.replace(null).ifPresent(DeliverStream::close));
    return new StreamObserver<>() {
      @Override
      public void onNext(Envelope envelope) {
        call.replace(null).ifPresent(DeliverStream::close);
        DeliverStream started = startDelivery(envelope, call);
        if (started != null) {
          call.replace(started);
          started.wake();
        }
      }

      @Override
      public void onError(Throwable failure) {
        call.replace(null).ifPresent(DeliverStream::close);
      }

      @Override
      public void onCompleted() {
        // The client may half-close after its request; the delivery goes on until its stop.
        call.halfClosed();
      }
    };
  }

  private DeliverStream startDelivery(
      Envelope envelope, DeliverCall<DeliverStream, DeliverResponse> call) {
    SeekInfo seek;
    try {
      EnvelopeHeaders headers = EnvelopeHeaders.read(envelope);
      if (!config.ledgerId().equals(headers.channel().getChannelId())) {
        call.refuse(Status.NOT_FOUND);
        return null;
      }
      seek = SeekInfo.parseFrom(headers.payload().getData());
    } catch (InvalidProtocolBufferException e) {
      call.refuse(Status.BAD_REQUEST);
      return null;
    }
    if (removed()) {
      // Voted out: it orders nothing more, so a peer must read on from another orderer.
      call.refuse(Status.SERVICE_UNAVAILABLE);
      return null;
    }
    Optional<String> refusal = config.check().refuse(envelope, cutter.rules());
    if (refusal.isPresent()) {
      log.debug("order.deliver_refused reason=\"{}\"", refusal.get());
      call.refuse(Status.FORBIDDEN);
      return null;
    }
    long height = orderer.blocks().height();
    long start = position(seek.getStart(), height, 0);
    long stop = position(seek.getStop(), height, Long.MAX_VALUE);
    if (start < orderer.servesFrom()) {
      // Voted in later: its copies of earlier blocks carry a signature their config does not know.
      call.refuse(Status.SERVICE_UNAVAILABLE);
      return null;
    }
    if (start > stop
        || (seek.getBehavior() == SeekInfo.SeekBehavior.FAIL_IF_NOT_READY && stop >= height)) {
      call.refuse(Status.NOT_FOUND);
      return null;
    }
    DeliverStream delivery = new DeliverStream(call, start, stop, envelope);
    deliveries.add(delivery);
    cutter.onBlock(delivery.listener);
    return delivery;
  }

  private static long position(SeekPosition position, long height, long unset) {
    return switch (position.getTypeCase()) {
      case OLDEST -> 0;
      case NEWEST -> Math.max(0, height - 1);
      case NEXT_COMMIT -> height;
      // uint64 on the wire: "no stop" is the largest unsigned value.
      case SPECIFIED ->
          position.getSpecified().getNumber() < 0
              ? Long.MAX_VALUE
              : position.getSpecified().getNumber();
      default -> unset;
    };
  }

  /** One Deliver stream: sends stored blocks from {@code next} to {@code stop}, then follows. */
  private final class DeliverStream {
    private final DeliverCall<DeliverStream, DeliverResponse> call;
    private final ServerCallStreamObserver<DeliverResponse> stream;
    private final long stop;
    private final Object lock = new Object();
    private final Runnable listener = this::wake;
    private final Envelope request;
    private long admittedUnder;
    private long next;
    private boolean running;
    private boolean again;
    private boolean done;

    DeliverStream(
        DeliverCall<DeliverStream, DeliverResponse> call, long start, long stop, Envelope request) {
      this.call = call;
      this.stream = call.stream();
      this.next = start;
      this.stop = stop;
      this.request = request;
      this.admittedUnder = cutter.rules().sequence();
    }

    /**
     * Whether the requester may still read blocks: checked again whenever the config changed since
     * it was admitted, so a member voted out (or a revoked certificate) stops receiving blocks.
     */
    private boolean stillAdmitted() {
      var rules = cutter.rules();
      if (rules.sequence() == admittedUnder) {
        return true;
      }
      if (removed()) {
        log.info(
            "order.deliver_ended node={} reason=\"removed from the ordering group\"",
            orderer.nodeId());
        call.refuse(Status.SERVICE_UNAVAILABLE);
        close();
        return false;
      }
      Optional<String> refusal = config.check().refuse(request, rules);
      if (refusal.isPresent()) {
        log.info("order.deliver_evicted node={} reason=\"{}\"", orderer.nodeId(), refusal.get());
        call.refuse(Status.FORBIDDEN);
        close();
        return false;
      }
      admittedUnder = rules.sequence();
      return true;
    }

    void wake() {
      synchronized (lock) {
        if (done) {
          return;
        }
        if (running) {
          again = true;
          return;
        }
        running = true;
      }
      executor.execute(this::drain);
    }

    private void drain() {
      while (true) {
        try {
          while (!isDone()
              && next <= stop
              && next < orderer.blocks().height()
              && stream.isReady()
              && stillAdmitted()) {
            var block = orderer.blocks().get(next);
            if (block.isEmpty()) {
              break;
            }
            stream.onNext(DeliverResponse.newBuilder().setBlock(block.get()).build());
            next++;
          }
          if (!isDone() && next > stop) {
            close();
            call.succeeded(this);
          }
        } catch (Exception e) {
          log.debug("order.deliver_ended node={} reason=\"{}\"", orderer.nodeId(), e.toString());
          close();
        }
        synchronized (lock) {
          if (!again || done) {
            running = false;
            return;
          }
          again = false;
        }
      }
    }

    private boolean isDone() {
      synchronized (lock) {
        return done;
      }
    }

    void close() {
      synchronized (lock) {
        if (done) {
          return;
        }
        done = true;
      }
      deliveries.remove(this);
      cutter.removeBlockListener(listener);
    }

    void abort() {
      close();
      try {
        stream.onError(
            io.grpc.Status.UNAVAILABLE
                .withDescription("orderer " + orderer.nodeId() + " is stopping")
                .asRuntimeException());
      } catch (RuntimeException e) {
        // The stream is already gone.
      }
    }
  }

  void close() {
    closed = true;
    for (DeliverStream delivery : List.copyOf(deliveries)) {
      delivery.abort();
    }
    List<Admitted> waiting;
    synchronized (batchLock) {
      waiting = batch;
      batch = new ArrayList<>();
    }
    waiting.forEach(
        a ->
            a.answer()
                .complete(
                    response(
                        Status.SERVICE_UNAVAILABLE,
                        "orderer " + orderer.nodeId() + " is stopping")));
  }
}
