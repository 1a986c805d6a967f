package io.patchwork.node.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorldStateTest {
  @TempDir Path directory;
  private StateResources resources;

  @BeforeEach
  void resources() {
    resources = StateResources.create(16L << 20);
  }

  @AfterEach
  void release() {
    resources.close();
  }

  static ByteString bytes(String text) {
    return ByteString.copyFromUtf8(text);
  }

  static BlockUpdate block(long number, TxWrites... writes) {
    return new BlockUpdate(number, List.of(writes), List.of());
  }

  static TxWrites tx(int number, StateWrite... writes) {
    return new TxWrites(number, List.of(writes));
  }

  private WorldState open() throws Exception {
    return WorldState.open(directory.resolve("state"), resources);
  }

  @Test
  void a_committed_write_is_read_back_with_the_version_of_its_block_and_transaction()
      throws Exception {
    try (WorldState state = open()) {
      state.commit(block(0));
      state.commit(block(1, tx(0), tx(3, StateWrite.put("token", "alice", bytes("10")))));

      assertThat(state.get("token", "alice"))
          .contains(new VersionedValue(bytes("10"), new Version(1, 3)));
      assertThat(state.get("token", "bob")).isEmpty();
      assertThat(state.get("other", "alice")).isEmpty();
      assertThat(state.height()).isEqualTo(1);
    }
  }

  @Test
  void batch_reads_answer_every_key_and_transaction_id_asked_for_as_single_reads_do()
      throws Exception {
    try (WorldState state = open()) {
      state.commit(
          new BlockUpdate(
              0,
              List.of(
                  tx(
                      0,
                      StateWrite.put("token", "alice", bytes("10")),
                      StateWrite.put("token", "bob", bytes("20")))),
              List.of(new TxRecord("tx-a", 0, 0, 0), new TxRecord("tx-b", 0, 1, 11))));

      Map<StateKey, Optional<VersionedValue>> values =
          state.values(
              List.of(
                  new StateKey("token", "alice"),
                  new StateKey("token", "carol"),
                  new StateKey("other", "alice"),
                  new StateKey("token", "alice")));

      assertThat(values)
          .containsOnly(
              Map.entry(
                  new StateKey("token", "alice"),
                  Optional.of(new VersionedValue(bytes("10"), new Version(0, 0)))),
              Map.entry(new StateKey("token", "carol"), Optional.empty()),
              Map.entry(new StateKey("other", "alice"), Optional.empty()));
      assertThat(state.committedTransactions(List.of("tx-a", "tx-b", "tx-c", "", "tx-a")))
          .containsExactlyInAnyOrder("tx-a", "tx-b");
      assertThat(state.values(List.of())).isEmpty();
      assertThat(state.committedTransactions(List.of())).isEmpty();
      assertThatThrownBy(() -> state.values(List.of(new StateKey("", "alice"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("namespace");
    }
  }

  @Test
  void a_commit_given_the_values_read_at_validation_reaches_the_same_state_as_one_reading_them()
      throws Exception {
    try (WorldState reading = WorldState.open(directory.resolve("reading"), resources);
        WorldState given = WorldState.open(directory.resolve("given"), resources)) {
      BlockUpdate first =
          block(
              0,
              tx(
                  0,
                  StateWrite.put("token", "alice", bytes("10")),
                  StateWrite.put("token", "bob", bytes("20"))));
      reading.commit(first);
      given.commit(first);
      List<TxWrites> writes =
          List.of(
              tx(
                  0,
                  StateWrite.put("token", "alice", bytes("5")),
                  StateWrite.put("token", "carol", bytes("5"))),
              tx(1, StateWrite.delete("token", "bob")));
      List<StateKey> read =
          List.of(
              new StateKey("token", "alice"),
              new StateKey("token", "bob"),
              new StateKey("token", "carol"));

      reading.commit(new BlockUpdate(1, writes, List.of()));
      given.commit(new BlockUpdate(1, writes, List.of(), given.values(read)));

      assertThat(given.stateHash()).isEqualTo(reading.stateHash());
      assertThat(given.recomputeStateHash()).isEqualTo(given.stateHash());
      assertThat(given.values(read)).isEqualTo(reading.values(read));
    }
  }

  @Test
  void a_closed_state_refuses_reads_and_commits_with_an_error_instead_of_touching_freed_memory()
      throws Exception {
    WorldState state = open();
    state.close();

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> state.get("token", "alice"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("is closed");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> state.commit(new BlockUpdate(1, List.of(), List.of())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is closed");
  }

  @Test
  void a_later_transaction_of_the_same_block_wins_and_a_delete_removes_the_key() throws Exception {
    try (WorldState state = open()) {
      state.commit(
          block(
              0,
              tx(0, StateWrite.put("t", "a", bytes("1")), StateWrite.put("t", "b", bytes("1"))),
              tx(1, StateWrite.put("t", "a", bytes("2")), StateWrite.delete("t", "b"))));

      assertThat(state.get("t", "a")).contains(new VersionedValue(bytes("2"), new Version(0, 1)));
      assertThat(state.get("t", "b")).isEmpty();
      assertThat(state.recomputeStateHash()).isEqualTo(state.stateHash());
    }
  }

  @Test
  void a_range_reads_one_namespace_in_utf8_key_order_within_bounds_and_limit() throws Exception {
    try (WorldState state = open()) {
      state.commit(
          block(
              0,
              tx(
                  0,
                  StateWrite.put("t", "b", bytes("b")),
                  StateWrite.put("t", "a", bytes("a")),
                  StateWrite.put("t", "\u00e9", bytes("e-acute")),
                  StateWrite.put("t", "c", bytes("c")),
                  StateWrite.put("u", "a", bytes("other namespace")),
                  StateWrite.put("tt", "a", bytes("longer namespace")))));

      assertThat(state.range("t", "", "", 100))
          .extracting(StateEntry::key)
          .containsExactly("a", "b", "c", "\u00e9");
      assertThat(state.range("t", "b", "c", 100)).extracting(StateEntry::key).containsExactly("b");
      assertThat(state.range("t", "a", "", 2))
          .extracting(StateEntry::key)
          .containsExactly("a", "b");
    }
  }

  @Test
  void keys_may_hold_the_null_character_as_composite_keys_do() throws Exception {
    String composite = "\u0000obligation\u0000o-1\u0000";
    try (WorldState state = open()) {
      state.commit(block(0, tx(0, StateWrite.put("obligations", composite, bytes("x")))));

      assertThat(state.value("obligations", composite)).contains(bytes("x"));
      assertThat(state.range("obligations", "\u0000obligation\u0000", "\u0000obligation\u0001", 10))
          .extracting(StateEntry::key)
          .containsExactly(composite);
    }
  }

  @Test
  void committing_a_block_again_changes_nothing_and_a_gap_is_refused() throws Exception {
    try (WorldState state = open()) {
      state.commit(block(0, tx(0, StateWrite.put("t", "a", bytes("1")))));
      ByteString hash = state.stateHash();

      state.commit(block(0, tx(0, StateWrite.put("t", "a", bytes("changed")))));
      assertThatThrownBy(() -> state.commit(block(2, tx(0, StateWrite.put("t", "a", bytes("2"))))))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("gap");

      assertThat(state.value("t", "a")).contains(bytes("1"));
      assertThat(state.stateHash()).isEqualTo(hash);
      assertThat(state.height()).isZero();
    }
  }

  @Test
  void reopening_keeps_height_values_transaction_index_and_state_hash() throws Exception {
    ByteString hash;
    try (WorldState state = open()) {
      state.commit(
          new BlockUpdate(
              0,
              List.of(tx(0, StateWrite.put("t", "a", bytes("1")))),
              List.of(new TxRecord("tx-a", 0, 0, 0), new TxRecord("tx-bad", 0, 1, 11))));
      hash = state.stateHash();
    }

    try (WorldState state = open()) {
      assertThat(state.height()).isZero();
      assertThat(state.value("t", "a")).contains(bytes("1"));
      assertThat(state.transaction("tx-bad")).contains(new TxRecord("tx-bad", 0, 1, 11));
      assertThat(state.transaction("tx-unknown")).isEmpty();
      assertThat(state.stateHash()).isEqualTo(hash).isEqualTo(state.recomputeStateHash());
    }
  }

  @Test
  void the_same_entries_reached_by_different_histories_have_the_same_hash() throws Exception {
    ByteString direct;
    try (WorldState state = WorldState.open(directory.resolve("direct"), resources)) {
      state.commit(block(0));
      state.commit(block(1, tx(0, StateWrite.put("t", "a", bytes("final")))));
      direct = state.stateHash();
    }
    try (WorldState state = WorldState.open(directory.resolve("winding"), resources)) {
      state.commit(
          block(
              0,
              tx(
                  0,
                  StateWrite.put("t", "a", bytes("first")),
                  StateWrite.put("t", "z", bytes("gone")))));
      state.commit(
          block(1, tx(0, StateWrite.put("t", "a", bytes("final")), StateWrite.delete("t", "z"))));

      assertThat(state.stateHash()).isEqualTo(direct).isEqualTo(state.recomputeStateHash());
    }
  }

  @Test
  void a_different_version_of_the_same_value_gives_a_different_hash() throws Exception {
    ByteString first;
    try (WorldState state = WorldState.open(directory.resolve("one"), resources)) {
      state.commit(block(0, tx(0, StateWrite.put("t", "a", bytes("v")))));
      first = state.stateHash();
    }
    try (WorldState state = WorldState.open(directory.resolve("two"), resources)) {
      state.commit(block(0, tx(1, StateWrite.put("t", "a", bytes("v")))));

      assertThat(state.stateHash()).isNotEqualTo(first);
    }
  }

  @Test
  void fifty_states_share_one_set_of_resources() throws Exception {
    List<WorldState> states = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        WorldState state = WorldState.open(directory.resolve("peer" + i), resources);
        states.add(state);
        state.commit(block(0, tx(0, StateWrite.put("t", "k", bytes("same")))));
      }
      assertThat(states).extracting(WorldState::stateHash).containsOnly(states.get(0).stateHash());
    } finally {
      states.forEach(WorldState::close);
    }
  }
}
