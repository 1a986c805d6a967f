package io.patchwork.node.contract;

import com.google.protobuf.ByteString;
import io.patchwork.node.state.StateReader;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.hyperledger.fabric.protos.ledger.rwset.NsReadWriteSet;
import org.hyperledger.fabric.protos.ledger.rwset.TxReadWriteSet;
import org.hyperledger.fabric.protos.peer.ChaincodeEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a transaction function against committed state and records what it read and wrote, as a
 * Fabric endorser simulates a proposal. Thread-safe; simulations of different transactions may run
 * concurrently.
 */
public final class Simulator {
  private static final Logger log = LoggerFactory.getLogger(Simulator.class);
  private static final Map<Contract, Functions> FUNCTIONS = new ConcurrentHashMap<>();

  private Simulator() {}

  /** Runs {@code function} of {@code contract} with {@code args} for the transaction. */
  public static Simulation simulate(
      Contract contract,
      String function,
      List<String> args,
      TxContext transaction,
      StateReader state) {
    Objects.requireNonNull(contract, "contract");
    Objects.requireNonNull(function, "function");
    Objects.requireNonNull(args, "args");
    Objects.requireNonNull(transaction, "transaction");
    Objects.requireNonNull(state, "state");
    Functions functions = FUNCTIONS.computeIfAbsent(contract, Functions::of);
    Functions.Entry entry = functions.entries.get(function);
    if (entry == null) {
      return refused(
          400,
          "UNKNOWN_FUNCTION: contract '" + contract.name() + "' has no function '" + function + "'",
          false);
    }
    SimulationState view = new SimulationState(state, contract.name(), entry.readOnly());
    Call call = new Call(transaction, view);
    ByteString payload;
    try {
      payload = entry.implementation().invoke(call, List.copyOf(args));
    } catch (ContractException e) {
      return refused(400, e.code() + ": " + e.getMessage(), entry.readOnly());
    } catch (SimulationState.Refusal e) {
      return refused(400, e.code + ": " + e.getMessage(), entry.readOnly());
    } catch (RuntimeException e) {
      log.warn(
          "contract.failed contract={} function={} tx={}",
          contract.name(),
          function,
          transaction.txId(),
          e);
      return refused(500, "contract failed: " + e.getClass().getName(), entry.readOnly());
    }
    TxReadWriteSet rwSet =
        TxReadWriteSet.newBuilder()
            .setDataModel(TxReadWriteSet.DataModel.KV)
            .addNsRwset(
                NsReadWriteSet.newBuilder()
                    .setNamespace(contract.name())
                    .setRwset(view.readWriteSet().toByteString()))
            .build();
    Optional<ChaincodeEvent> event =
        call.event.map(
            e ->
                ChaincodeEvent.newBuilder()
                    .setChaincodeId(contract.name())
                    .setTxId(transaction.txId())
                    .setEventName(e.name())
                    .setPayload(e.payload())
                    .build());
    return new Simulation(
        200, "", payload == null ? ByteString.EMPTY : payload, rwSet, event, entry.readOnly());
  }

  private static Simulation refused(int status, String message, boolean readOnly) {
    return Simulation.failed(status, message, readOnly);
  }

  /** A contract's registered functions. */
  private static final class Functions implements Transactions {
    record Entry(TransactionFunction implementation, boolean readOnly) {}

    private final Map<String, Entry> entries = new HashMap<>();

    static Functions of(Contract contract) {
      Functions functions = new Functions();
      contract.define(functions);
      return functions;
    }

    @Override
    public Transactions submit(String function, TransactionFunction implementation) {
      return add(function, implementation, false);
    }

    @Override
    public Transactions evaluate(String function, TransactionFunction implementation) {
      return add(function, implementation, true);
    }

    private Transactions add(
        String function, TransactionFunction implementation, boolean readOnly) {
      Objects.requireNonNull(function, "function");
      Objects.requireNonNull(implementation, "implementation");
      if (entries.putIfAbsent(function, new Entry(implementation, readOnly)) != null) {
        throw new IllegalArgumentException("function " + function + " is defined twice");
      }
      return this;
    }
  }

  private record Event(String name, ByteString payload) {}

  /** The context handed to one call. */
  private static final class Call implements Context {
    private final TxContext transaction;
    private final SimulationState state;
    private Optional<Event> event = Optional.empty();

    Call(TxContext transaction, SimulationState state) {
      this.transaction = transaction;
      this.state = state;
    }

    @Override
    public String ledgerId() {
      return transaction.ledgerId();
    }

    @Override
    public String txId() {
      return transaction.txId();
    }

    @Override
    public Instant timestamp() {
      return transaction.timestamp();
    }

    @Override
    public Caller caller() {
      return transaction.caller();
    }

    @Override
    public State state() {
      return state;
    }

    @Override
    public void setEvent(String name, ByteString payload) {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(payload, "payload");
      event = Optional.of(new Event(name, payload));
    }
  }
}
