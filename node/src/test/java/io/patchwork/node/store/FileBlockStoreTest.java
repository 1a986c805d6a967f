package io.patchwork.node.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.patchwork.node.block.Blocks;
import io.patchwork.node.block.ChainCheck;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.hyperledger.fabric.protos.common.Block;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockStoreTest {
  @TempDir Path directory;

  private Path file() {
    return directory.resolve(FileBlockStore.FILE_NAME);
  }

  private List<Block> appendChain(BlockStore store, int count) throws Exception {
    List<Block> blocks = new ArrayList<>();
    Block block = Blocks.genesis(List.of(bytes("genesis config")));
    for (int i = 0; i < count; i++) {
      store.append(block);
      blocks.add(block);
      block = Blocks.next(block, List.of(bytes("tx-" + i + "-a"), bytes("tx-" + i + "-b")));
    }
    return blocks;
  }

  @Test
  void appended_blocks_are_read_back_after_reopening() throws Exception {
    List<Block> blocks;
    try (BlockStore store = BlockStore.open(directory)) {
      blocks = appendChain(store, 5);
    }

    try (BlockStore store = BlockStore.open(directory)) {
      assertThat(store.height()).isEqualTo(5);
      assertThat(store.last()).contains(blocks.get(4));
      for (int i = 0; i < 5; i++) {
        assertThat(store.get(i)).contains(blocks.get(i));
      }
      assertThat(store.get(5)).isEmpty();
      assertThat(store.get(-1)).isEmpty();
    }
  }

  @Test
  void a_store_started_from_an_anchor_holds_it_and_chains_on_from_it_after_reopening()
      throws Exception {
    List<Block> chain;
    try (BlockStore full = BlockStore.open(directory.resolve("full"))) {
      chain = appendChain(full, 6);
    }
    Path anchored = directory.resolve("anchored");
    try (BlockStore store = BlockStore.openFrom(anchored, chain.get(3))) {
      assertThat(store.first()).isEqualTo(3);
      assertThat(store.height()).isEqualTo(4);
      assertThat(store.get(2)).isEmpty();
      store.append(chain.get(4));
    }

    try (BlockStore store = BlockStore.openFrom(anchored, chain.get(3))) {
      store.append(chain.get(5));
      assertThat(store.height()).isEqualTo(6);
      assertThat(store.get(3)).contains(chain.get(3));
      assertThat(store.get(5)).contains(chain.get(5));
    }
    try (BlockStore store = BlockStore.open(anchored)) {
      assertThat(store.first()).isEqualTo(3);
      assertThat(store.last()).contains(chain.get(5));
    }
  }

  @Test
  void an_anchored_store_refuses_a_block_that_does_not_follow_its_anchor() throws Exception {
    List<Block> chain;
    try (BlockStore full = BlockStore.open(directory.resolve("full"))) {
      chain = appendChain(full, 5);
    }
    try (BlockStore store = BlockStore.openFrom(directory.resolve("anchored"), chain.get(2))) {
      assertThatThrownBy(() -> store.append(chain.get(4)))
          .isInstanceOf(BlockStore.BlockRejectedException.class);
      assertThat(store.height()).isEqualTo(3);
    }
  }

  @Test
  void reopening_an_anchored_store_with_another_anchor_is_refused() throws Exception {
    List<Block> chain;
    try (BlockStore full = BlockStore.open(directory.resolve("full"))) {
      chain = appendChain(full, 5);
    }
    try (BlockStore store = BlockStore.openFrom(directory.resolve("anchored"), chain.get(2))) {
      store.append(chain.get(3));
    }

    assertThatThrownBy(() -> BlockStore.openFrom(directory.resolve("anchored"), chain.get(1)))
        .isInstanceOf(BlockStore.CorruptBlockStoreException.class);
  }

  @Test
  void a_block_that_does_not_follow_is_rejected_and_nothing_is_written() throws Exception {
    try (BlockStore store = BlockStore.open(directory)) {
      Block genesis = Blocks.genesis(List.of(bytes("config")));
      assertThatThrownBy(() -> store.append(Blocks.next(genesis, List.of())))
          .isInstanceOfSatisfying(
              BlockStore.BlockRejectedException.class,
              e -> assertThat(e.problem()).isEqualTo(ChainCheck.Problem.WRONG_NUMBER));
      store.append(genesis);
      long size = Files.size(file());

      Block stranger = Blocks.next(Blocks.genesis(List.of(bytes("other"))), List.of());
      assertThatThrownBy(() -> store.append(stranger))
          .isInstanceOfSatisfying(
              BlockStore.BlockRejectedException.class,
              e -> assertThat(e.problem()).isEqualTo(ChainCheck.Problem.BROKEN_HASH_CHAIN));
      assertThat(Files.size(file())).isEqualTo(size);
      assertThat(store.height()).isEqualTo(1);
    }
  }

  @Test
  void a_block_whose_data_does_not_match_its_data_hash_is_refused_when_the_store_is_read_back()
      throws Exception {
    // Appending checks the link only (whoever hands the store a block has checked its data hash);
    // reading the file back on open checks every block in full.
    try (BlockStore store = BlockStore.open(directory)) {
      Block genesis = Blocks.genesis(List.of(bytes("config")));
      store.append(genesis);
      Block next = Blocks.next(genesis, List.of(bytes("tx1")));
      store.append(
          next.toBuilder().setData(next.getData().toBuilder().setData(0, bytes("tx9"))).build());
      assertThat(store.height()).isEqualTo(2);
    }

    assertThatThrownBy(() -> BlockStore.open(directory))
        .isInstanceOf(BlockStore.CorruptBlockStoreException.class)
        .hasMessageContaining("WRONG_DATA_HASH");
  }

  @Test
  void a_block_larger_than_a_record_can_hold_is_refused_and_nothing_is_written() throws Exception {
    try (BlockStore store = BlockStore.open(directory)) {
      Block genesis = Blocks.genesis(List.of(bytes("config")));
      store.append(genesis);
      long size = Files.size(file());
      Block huge =
          Blocks.next(
              genesis,
              List.of(
                  UnsafeByteOperations.unsafeWrap(new byte[FileBlockStore.MAX_BLOCK_BYTES + 1])));

      assertThatThrownBy(() -> store.append(huge))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("a block store record holds at most");
      assertThat(store.height()).isEqualTo(1);
      assertThat(Files.size(file())).isEqualTo(size);
    }
  }

  @Test
  void a_record_torn_by_a_crash_is_cut_off_and_the_chain_goes_on() throws Exception {
    List<Block> blocks;
    try (BlockStore store = BlockStore.open(directory)) {
      blocks = appendChain(store, 3);
    }
    long intact = Files.size(file());
    byte[] torn = new byte[20];
    torn[3] = 100; // a length of 100 with only 12 bytes of body
    Files.write(file(), torn, StandardOpenOption.APPEND);

    try (BlockStore store = BlockStore.open(directory)) {
      assertThat(store.height()).isEqualTo(3);
      assertThat(Files.size(file())).isEqualTo(intact);
      store.append(Blocks.next(blocks.get(2), List.of(bytes("after the crash"))));
      assertThat(store.height()).isEqualTo(4);
    }
  }

  @Test
  void a_last_record_with_a_bad_checksum_or_zeros_at_the_end_is_cut_off() throws Exception {
    try (BlockStore store = BlockStore.open(directory)) {
      appendChain(store, 3);
    }
    byte[] content = Files.readAllBytes(file());
    content[content.length - 1] ^= 0x01;
    Files.write(file(), content);
    Files.write(file(), new byte[4096], StandardOpenOption.APPEND);

    try (BlockStore store = BlockStore.open(directory)) {
      assertThat(store.height()).isEqualTo(2);
    }
  }

  @Test
  void damage_before_the_end_refuses_to_open() throws Exception {
    try (BlockStore store = BlockStore.open(directory)) {
      appendChain(store, 3);
    }
    byte[] content = Files.readAllBytes(file());
    content[FileBlockStore.RECORD_HEADER_BYTES + 5] ^= 0x01;
    Files.write(file(), content);

    assertThatThrownBy(() -> BlockStore.open(directory))
        .isInstanceOf(BlockStore.CorruptBlockStoreException.class)
        .hasMessageContaining("checksum");
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFrom(text, StandardCharsets.UTF_8);
  }
}
