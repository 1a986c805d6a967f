package io.patchwork.node.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.patchwork.ca.Role;
import io.patchwork.node.contract.builtin.BuiltInContracts;
import java.util.List;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRWSet;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVRead;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.KVWrite;
import org.hyperledger.fabric.protos.ledger.rwset.kvrwset.RangeQueryInfo;
import org.junit.jupiter.api.Test;

class SimulatorTest {
  private static final Caller ALICE = TestCallers.caller("BankAMSP", Role.CLIENT);

  /** A contract whose functions exercise the state API directly. */
  static final class Probe implements Contract {
    @Override
    public String name() {
      return "probe";
    }

    @Override
    public void define(Transactions transactions) {
      transactions
          .submit(
              "copy",
              (ctx, args) -> {
                ByteString value = ctx.state().get(args.get(0)).orElse(ByteString.EMPTY);
                ctx.state().put(args.get(1), value);
                return value;
              })
          .submit(
              "writeTwiceThenRead",
              (ctx, args) -> {
                ctx.state().put("k", ByteString.copyFromUtf8("first"));
                ctx.state().put("k", ByteString.copyFromUtf8("second"));
                ctx.state().delete("gone");
                return ctx.state().get("k").orElseThrow();
              })
          .submit(
              "scan",
              (ctx, args) -> {
                ctx.state().put("b2", ByteString.copyFromUtf8("new"));
                ctx.state().delete("b1");
                StringBuilder keys = new StringBuilder();
                ctx.state().range("b", "c").forEach(kv -> keys.append(kv.key()).append(','));
                ctx.setEvent("Scanned", ByteString.copyFromUtf8(keys.toString()));
                return ByteString.copyFromUtf8(keys.toString());
              })
          .submit(
              "refuse",
              (ctx, args) -> {
                throw new ContractException("NOT_TODAY", "the probe refuses");
              })
          .submit(
              "crash",
              (ctx, args) -> {
                throw new IllegalStateException("internal detail that must not leak");
              })
          .evaluate(
              "sneakyWrite",
              (ctx, args) -> {
                ctx.state().put("x", ByteString.copyFromUtf8("y"));
                return ByteString.EMPTY;
              })
          .submit(
              "composite",
              (ctx, args) -> {
                String key = ctx.state().compositeKey("order", args.get(0), args.get(1));
                ctx.state().put(key, ByteString.copyFromUtf8(args.get(2)));
                CompositeKey split = ctx.state().splitCompositeKey(key);
                return ByteString.copyFromUtf8(split.objectType() + ":" + split.attributes());
              });
    }
  }

  private static Simulation run(MemoryState state, String function, String... args) {
    return Simulator.simulate(new Probe(), function, List.of(args), TestCallers.tx(ALICE), state);
  }

  private static KVRWSet kv(Simulation simulation) throws Exception {
    assertThat(simulation.rwSet().getNsRwsetList()).hasSize(1);
    assertThat(simulation.rwSet().getNsRwset(0).getNamespace()).isEqualTo("probe");
    return KVRWSet.parseFrom(simulation.rwSet().getNsRwset(0).getRwset());
  }

  @Test
  void reads_carry_the_committed_version_and_an_absent_key_has_none() throws Exception {
    MemoryState state = new MemoryState();
    state.put("probe", "source", "v", 4, 2);

    KVRWSet present = kv(run(state, "copy", "source", "target"));
    KVRWSet absent = kv(run(state, "copy", "missing", "target"));

    KVRead read = present.getReads(0);
    assertThat(read.getKey()).isEqualTo("source");
    assertThat(read.getVersion().getBlockNum()).isEqualTo(4);
    assertThat(read.getVersion().getTxNum()).isEqualTo(2);
    assertThat(absent.getReads(0).hasVersion()).isFalse();
    assertThat(present.getWritesList())
        .containsExactly(
            KVWrite.newBuilder().setKey("target").setValue(ByteString.copyFromUtf8("v")).build());
  }

  @Test
  void the_last_write_wins_reads_see_own_writes_and_are_not_recorded_for_written_keys()
      throws Exception {
    Simulation simulation = run(new MemoryState(), "writeTwiceThenRead");

    KVRWSet set = kv(simulation);
    assertThat(simulation.payload().toStringUtf8()).isEqualTo("second");
    assertThat(set.getReadsList()).isEmpty();
    assertThat(set.getWritesList()).extracting(KVWrite::getKey).containsExactly("gone", "k");
    assertThat(set.getWrites(0).getIsDelete()).isTrue();
    assertThat(set.getWrites(1).getValue().toStringUtf8()).isEqualTo("second");
  }

  @Test
  void a_range_records_committed_raw_reads_and_returns_them_merged_with_own_writes()
      throws Exception {
    MemoryState state = new MemoryState();
    state.put("probe", "a", "x", 1, 0);
    state.put("probe", "b1", "x", 1, 1);
    state.put("probe", "b3", "x", 2, 0);
    state.put("probe", "c", "x", 2, 1);

    Simulation simulation = run(state, "scan");

    assertThat(simulation.payload().toStringUtf8()).isEqualTo("b2,b3,");
    RangeQueryInfo range = kv(simulation).getRangeQueriesInfo(0);
    assertThat(range.getStartKey()).isEqualTo("b");
    assertThat(range.getEndKey()).isEqualTo("c");
    assertThat(range.getItrExhausted()).isTrue();
    assertThat(range.getRawReads().getKvReadsList())
        .extracting(KVRead::getKey)
        .containsExactly("b1", "b3");
    assertThat(simulation.event()).isPresent();
    assertThat(simulation.event().get().getEventName()).isEqualTo("Scanned");
    assertThat(simulation.event().get().getChaincodeId()).isEqualTo("probe");
  }

  @Test
  void a_contract_refusal_is_status_400_with_its_code_and_no_read_write_set() {
    Simulation simulation = run(new MemoryState(), "refuse");

    assertThat(simulation.status()).isEqualTo(400);
    assertThat(simulation.message()).isEqualTo("NOT_TODAY: the probe refuses");
    assertThat(simulation.rwSet().getNsRwsetCount()).isZero();
  }

  @Test
  void an_unknown_function_is_refused_naming_it() {
    Simulation simulation = run(new MemoryState(), "fly");

    assertThat(simulation.status()).isEqualTo(400);
    assertThat(simulation.message()).startsWith("UNKNOWN_FUNCTION").contains("'fly'");
  }

  @Test
  void an_unexpected_failure_is_status_500_without_its_message() {
    Simulation simulation = run(new MemoryState(), "crash");

    assertThat(simulation.status()).isEqualTo(500);
    assertThat(simulation.message()).doesNotContain("internal detail");
  }

  @Test
  void an_evaluate_function_cannot_write() {
    Simulation simulation = run(new MemoryState(), "sneakyWrite");

    assertThat(simulation.status()).isEqualTo(400);
    assertThat(simulation.message()).startsWith("READ_ONLY");
    assertThat(simulation.readOnlyFunction()).isTrue();
  }

  @Test
  void composite_keys_use_fabrics_layout_and_split_back() throws Exception {
    Simulation simulation = run(new MemoryState(), "composite", "BankA", "42", "v");

    assertThat(simulation.payload().toStringUtf8()).isEqualTo("order:[BankA, 42]");
    assertThat(kv(simulation).getWrites(0).getKey())
        .isEqualTo("\u0000order\u0000BankA\u000042\u0000");
  }

  @Test
  void the_same_call_on_the_same_state_gives_byte_identical_results() {
    MemoryState state = new MemoryState();
    state.put("probe", "b1", "x", 1, 1);
    TxContext tx = TestCallers.tx(ALICE);

    Simulation first = Simulator.simulate(new Probe(), "scan", List.of(), tx, state);
    Simulation second = Simulator.simulate(new Probe(), "scan", List.of(), tx, state);

    assertThat(first.rwSet().toByteString()).isEqualTo(second.rwSet().toByteString());
    assertThat(first.payload()).isEqualTo(second.payload());
  }

  @Test
  void code_hashes_are_stable_and_differ_between_contracts() {
    ContractRegistry registry = BuiltInContracts.registry();

    assertThat(registry.names()).containsExactly("ledger-token", "notary", "obligations");
    assertThat(registry.codeHash("ledger-token"))
        .isEqualTo(BuiltInContracts.registry().codeHash("ledger-token"))
        .isNotEqualTo(registry.codeHash("notary"));
    assertThat(registry.codeHash("notary").size()).isEqualTo(32);
  }
}
