package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.hyperledger.fabric.protos.ledger.queryresult.KV;
import org.hyperledger.fabric.protos.ledger.rwset.NsReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;
import org.hyperledger.fabric.protos.peer.ChaincodeGrpc;
import org.hyperledger.fabric.protos.peer.ChaincodeID;
import org.hyperledger.fabric.protos.peer.ChaincodeInput;
import org.hyperledger.fabric.protos.peer.ChaincodeMessage;
import org.hyperledger.fabric.protos.peer.ChaincodeMessage.Type;
import org.hyperledger.fabric.protos.peer.DelState;
import org.hyperledger.fabric.protos.peer.GetState;
import org.hyperledger.fabric.protos.peer.GetStateByRange;
import org.hyperledger.fabric.protos.peer.PutState;
import org.hyperledger.fabric.protos.peer.QueryResponse;
import org.hyperledger.fabric.protos.peer.QueryResultBytes;
import org.hyperledger.fabric.protos.peer.QueryStateClose;
import org.hyperledger.fabric.protos.peer.QueryStateNext;
import org.hyperledger.fabric.protos.peer.Response;
import org.hyperledger.fabric.protos.peer.SignedProposal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer's end of one chaincode server's {@code Connect} stream, as a Fabric peer runs it for
 * chaincode as a service: the peer calls, the chaincode registers ({@code REGISTER}), the peer
 * answers {@code REGISTERED} and {@code READY}; then each transaction is a {@code TRANSACTION}
 * message, the chaincode's state calls on its behalf, each answered {@code RESPONSE} or {@code
 * ERROR}, and the chaincode's {@code COMPLETED} or {@code ERROR}. A broken stream fails the
 * transactions on it; the next one connects again.
 *
 * <p>Thread-safe. A transaction's state calls run on gRPC's threads while the endorsing thread
 * waits for the outcome; the chaincode makes them one at a time, so a transaction's {@link
 * SimulationState} is never used by two threads at once.
 */
final class ChaincodeStream {
  private static final Logger log = LoggerFactory.getLogger(ChaincodeStream.class);

  private final String name;
  private final ChaincodeGrpc.ChaincodeStub stub;
  private final Duration timeout;
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final AtomicLong queries = new AtomicLong();
  private Connection connection;

  ChaincodeStream(String name, Channel channel, Duration timeout) {
    this.name = name;
    this.stub = ChaincodeGrpc.newStub(channel);
    this.timeout = timeout;
  }

  /** A transaction in flight: its state view, the chaincode's last word, and its stream. */
  private static final class Running {
    private final SimulationState state;
    private final CompletableFuture<ChaincodeMessage> outcome = new CompletableFuture<>();
    private volatile Connection connection;

    Running(SimulationState state) {
      this.state = state;
    }

    SimulationState state() {
      return state;
    }

    CompletableFuture<ChaincodeMessage> outcome() {
      return outcome;
    }

    Connection connection() {
      return connection;
    }
  }

  /** One stream: what goes to the chaincode, and when it has registered. */
  private static final class Connection {
    final CompletableFuture<Void> registered = new CompletableFuture<>();
    StreamObserver<ChaincodeMessage> toChaincode;

    private boolean closed;

    synchronized void send(ChaincodeMessage message) {
      if (!closed) {
        toChaincode.onNext(message);
      }
    }

    synchronized void close() {
      if (!closed) {
        closed = true;
        toChaincode.onCompleted();
      }
    }
  }

  Simulation execute(
      SignedProposal proposal,
      List<ByteString> args,
      TxContext transaction,
      SimulationState state) {
    String key = key(transaction.ledgerId(), transaction.txId());
    Running run = new Running(state);
    if (running.putIfAbsent(key, run) != null) {
      return failed(
          500, "transaction " + transaction.txId() + " is already running on chaincode " + name);
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      Connection open = connection();
      run.connection = open;
      try {
        open.registered.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        return failed(
            500,
            "chaincode "
                + name
                + " did not register within "
                + timeout.toMillis()
                + " ms of the peer connecting");
      }
      open.send(
          ChaincodeMessage.newBuilder()
              .setType(Type.TRANSACTION)
              .setTxid(transaction.txId())
              .setChannelId(transaction.ledgerId())
              .setProposal(proposal)
              .setPayload(ChaincodeInput.newBuilder().addAllArgs(args).build().toByteString())
              .build());
      ChaincodeMessage outcome =
          run.outcome().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return simulation(outcome, state, transaction);
    } catch (TimeoutException e) {
      return failed(
          500, "chaincode " + name + " did not complete within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      return failed(500, "chaincode " + name + " is unreachable: " + e.getCause().getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(500, "interrupted while chaincode " + name + " ran");
    } finally {
      running.remove(key, run);
    }
  }

  private Simulation simulation(
      ChaincodeMessage outcome, SimulationState state, TxContext transaction) {
    if (outcome.getType() != Type.COMPLETED) {
      return failed(500, outcome.getPayload().toStringUtf8());
    }
    Response response;
    try {
      response = Response.parseFrom(outcome.getPayload());
    } catch (InvalidProtocolBufferException e) {
      return failed(500, "chaincode " + name + " completed with a response that does not decode");
    }
    if (response.getStatus() != 200) {
      return failed(response.getStatus(), response.getMessage());
    }
    Optional<ChaincodeEvent> event =
        outcome.hasChaincodeEvent() && !outcome.getChaincodeEvent().getEventName().isEmpty()
            ? Optional.of(
                outcome.getChaincodeEvent().toBuilder()
                    .setChaincodeId(name)
                    .setTxId(transaction.txId())
                    .build())
            : Optional.empty();
    TxReadWriteSet rwSet =
        TxReadWriteSet.newBuilder()
            .setDataModel(TxReadWriteSet.DataModel.KV)
            .addNsRwset(
                NsReadWriteSet.newBuilder()
                    .setNamespace(name)
                    .setRwset(state.readWriteSet().toByteString()))
            .build();
    return new Simulation(200, response.getMessage(), response.getPayload(), rwSet, event, false);
  }

  private synchronized Connection connection() {
    if (connection == null || connection.registered.isCompletedExceptionally()) {
      Connection fresh = new Connection();
      // Opened outside the gRPC call that needs it first: a stream made inside a server call's
      // context would be cancelled when that call completes.
      Context caller = Context.ROOT.attach();
      try {
        fresh.toChaincode = stub.connect(new FromChaincode(fresh));
      } finally {
        Context.ROOT.detach(caller);
      }
      connection = fresh;
    }
    return connection;
  }

  /** Half-closes the stream; the chaincode ends its side, failing what still runs on it. */
  synchronized void close() {
    if (connection != null) {
      Connection closing = connection;
      connection = null;
      closing.close();
      broken(closing, new IllegalStateException("the peer closed its stream to chaincode " + name));
    }
  }

  private synchronized void broken(Connection broken, Throwable why) {
    broken.registered.completeExceptionally(why);
    if (connection == broken) {
      connection = null;
    }
    running.values().stream()
        .filter(run -> run.connection() == broken)
        .forEach(run -> run.outcome().completeExceptionally(why));
  }

  /** What the chaincode sends: its registration, its state calls and its outcomes. */
  private final class FromChaincode implements StreamObserver<ChaincodeMessage> {
    private final Connection connection;

    FromChaincode(Connection connection) {
      this.connection = connection;
    }

    @Override
    public void onNext(ChaincodeMessage message) {
      switch (message.getType()) {
        case REGISTER -> register(message);
        case COMPLETED, ERROR -> {
          Running run = running.get(key(message.getChannelId(), message.getTxid()));
          if (run != null) {
            run.outcome().complete(message);
          }
        }
        case KEEPALIVE -> {}
        default -> connection.send(answer(message));
      }
    }

    private void register(ChaincodeMessage message) {
      String registered;
      try {
        registered = ChaincodeID.parseFrom(message.getPayload()).getName();
      } catch (InvalidProtocolBufferException e) {
        registered = "";
      }
      log.info("chaincode.registered chaincode={} registered_as={}", name, registered);
      connection.send(ChaincodeMessage.newBuilder().setType(Type.REGISTERED).build());
      connection.send(ChaincodeMessage.newBuilder().setType(Type.READY).build());
      connection.registered.complete(null);
    }

    @Override
    public void onError(Throwable error) {
      log.warn("chaincode.stream_broken chaincode={} reason={}", name, error.toString());
      broken(connection, error);
    }

    @Override
    public void onCompleted() {
      broken(connection, new IllegalStateException("chaincode " + name + " closed its stream"));
    }
  }

  /** The answer to one of the chaincode's state calls, made against its transaction's state. */
  private ChaincodeMessage answer(ChaincodeMessage call) {
    ChaincodeMessage.Builder answer =
        ChaincodeMessage.newBuilder().setTxid(call.getTxid()).setChannelId(call.getChannelId());
    Running run = running.get(key(call.getChannelId(), call.getTxid()));
    if (run == null) {
      return error(answer, "no transaction " + call.getTxid() + " is running on this peer");
    }
    SimulationState state = run.state();
    try {
      ByteString payload =
          switch (call.getType()) {
            case GET_STATE -> {
              GetState get = GetState.parseFrom(call.getPayload());
              noCollection(get.getCollection());
              yield state.get(get.getKey()).orElse(ByteString.EMPTY);
            }
            case PUT_STATE -> {
              PutState put = PutState.parseFrom(call.getPayload());
              noCollection(put.getCollection());
              state.put(put.getKey(), put.getValue());
              yield ByteString.EMPTY;
            }
            case DEL_STATE -> {
              DelState delete = DelState.parseFrom(call.getPayload());
              noCollection(delete.getCollection());
              state.delete(delete.getKey());
              yield ByteString.EMPTY;
            }
            case GET_STATE_BY_RANGE -> {
              GetStateByRange range = GetStateByRange.parseFrom(call.getPayload());
              noCollection(range.getCollection());
              QueryResponse.Builder results =
                  QueryResponse.newBuilder()
                      .setHasMore(false)
                      .setId("q" + queries.incrementAndGet());
              for (KeyValue entry : state.range(range.getStartKey(), range.getEndKey())) {
                results.addResults(
                    QueryResultBytes.newBuilder()
                        .setResultBytes(
                            KV.newBuilder()
                                .setNamespace(name)
                                .setKey(entry.key())
                                .setValue(entry.value())
                                .build()
                                .toByteString()));
              }
              yield results.build().toByteString();
            }
            case QUERY_STATE_NEXT ->
                QueryResponse.newBuilder()
                    .setHasMore(false)
                    .setId(QueryStateNext.parseFrom(call.getPayload()).getId())
                    .build()
                    .toByteString();
            case QUERY_STATE_CLOSE ->
                QueryResponse.newBuilder()
                    .setHasMore(false)
                    .setId(QueryStateClose.parseFrom(call.getPayload()).getId())
                    .build()
                    .toByteString();
            default ->
                throw new SimulationState.Refusal(
                    "NOT_SUPPORTED", call.getType() + " is not supported by Patchwork peers");
          };
      return answer.setType(Type.RESPONSE).setPayload(payload).build();
    } catch (InvalidProtocolBufferException e) {
      return error(answer, call.getType() + " does not decode");
    } catch (SimulationState.Refusal e) {
      return error(answer, e.code + ": " + e.getMessage());
    }
  }

  private static void noCollection(String collection) {
    if (!collection.isEmpty()) {
      throw new SimulationState.Refusal(
          "NOT_SUPPORTED", "private data collections are not supported by Patchwork peers");
    }
  }

  private static ChaincodeMessage error(ChaincodeMessage.Builder answer, String message) {
    return answer
        .setType(Type.ERROR)
        .setPayload(ByteString.copyFrom(message, StandardCharsets.UTF_8))
        .build();
  }

  private static Simulation failed(int status, String message) {
    return Simulation.failed(status, message, false);
  }

  private static String key(String channel, String txId) {
    return channel + "\u0000" + txId;
  }
}
