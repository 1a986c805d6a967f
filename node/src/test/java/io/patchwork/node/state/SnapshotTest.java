package io.patchwork.node.state;

import static io.patchwork.node.state.WorldStateTest.bytes;
import static io.patchwork.node.state.WorldStateTest.tx;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotTest {
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

  private Path exported() throws IOException {
    Path file = directory.resolve("state.snapshot");
    try (WorldState state = WorldState.open(directory.resolve("source"), resources)) {
      state.commit(
          new BlockUpdate(
              0,
              List.of(tx(0, StateWrite.put("token", "alice", bytes("10")))),
              List.of(new TxRecord("tx-0", 0, 0, 0))));
      state.commit(
          new BlockUpdate(
              1,
              List.of(
                  tx(
                      1,
                      StateWrite.put("token", "bob", bytes("5")),
                      StateWrite.put("notary", "\u0000doc\u0000h\u0000", bytes("{}")))),
              List.of(new TxRecord("tx-1", 1, 0, 11), new TxRecord("tx-2", 1, 1, 0))));
      SnapshotInfo info = state.exportSnapshot(file, bytes("anchor block"));
      assertThat(info.height()).isEqualTo(1);
      assertThat(info.entries()).isEqualTo(3);
      assertThat(info.transactions()).isEqualTo(3);
      assertThat(info.stateHash()).isEqualTo(state.stateHash());
    }
    return file;
  }

  @Test
  void an_imported_snapshot_holds_the_same_entries_versions_index_and_hash_and_keeps_committing()
      throws Exception {
    Path file = exported();
    ByteString sourceHash;
    try (WorldState source = WorldState.open(directory.resolve("source"), resources)) {
      sourceHash = source.stateHash();
    }

    try (WorldState imported =
        WorldState.importSnapshot(file, directory.resolve("imported"), resources)) {
      assertThat(imported.height()).isEqualTo(1);
      assertThat(imported.stateHash()).isEqualTo(sourceHash);
      assertThat(imported.get("token", "bob"))
          .contains(new VersionedValue(bytes("5"), new Version(1, 1)));
      assertThat(imported.value("notary", "\u0000doc\u0000h\u0000")).contains(bytes("{}"));
      assertThat(imported.transaction("tx-1")).contains(new TxRecord("tx-1", 1, 0, 11));

      imported.commit(
          new BlockUpdate(2, List.of(tx(0, StateWrite.delete("token", "alice"))), List.of()));
      assertThat(imported.get("token", "alice")).isEmpty();
      assertThat(imported.recomputeStateHash()).isEqualTo(imported.stateHash());
    }
    assertThat(WorldState.readSnapshotInfo(file).peerMetadata()).isEqualTo(bytes("anchor block"));
  }

  @Test
  void a_snapshot_with_any_byte_changed_is_refused_and_leaves_nothing_behind() throws Exception {
    Path file = exported();
    byte[] original = Files.readAllBytes(file);
    for (int position : new int[] {3, original.length / 2, original.length - 40}) {
      byte[] tampered = original.clone();
      tampered[position] ^= 0x01;
      Path bad = directory.resolve("bad-" + position);
      Files.write(bad, tampered);
      Path target = directory.resolve("target-" + position);

      assertThatThrownBy(() -> WorldState.importSnapshot(bad, target, resources))
          .isInstanceOf(IOException.class);
      assertThat(target).doesNotExist();
    }
  }

  @Test
  void a_truncated_snapshot_is_refused() throws Exception {
    Path file = exported();
    byte[] original = Files.readAllBytes(file);
    Path truncated = directory.resolve("truncated");
    Files.write(truncated, Arrays.copyOf(original, original.length - 10));

    assertThatThrownBy(() -> WorldState.readSnapshotInfo(truncated))
        .isInstanceOf(IOException.class);
    assertThatThrownBy(
            () -> WorldState.importSnapshot(truncated, directory.resolve("t"), resources))
        .isInstanceOf(IOException.class);
    assertThat(directory.resolve("t")).doesNotExist();
  }

  @Test
  void importing_into_a_directory_that_is_not_empty_is_refused() throws Exception {
    Path file = exported();
    Path busy = directory.resolve("busy");
    Files.createDirectories(busy);
    Files.writeString(busy.resolve("something"), "mine");

    assertThatThrownBy(() -> WorldState.importSnapshot(file, busy, resources))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not empty");
    assertThat(busy.resolve("something")).exists();
  }
}
