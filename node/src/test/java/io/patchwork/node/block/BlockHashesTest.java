package io.patchwork.node.block;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockHeader;
import org.junit.jupiter.api.Test;

class BlockHashesTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final String SHA256_OF_NOTHING =
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

  @Test
  void the_genesis_header_is_encoded_as_fabric_encodes_it() {
    Block genesis = Blocks.genesis(List.of());

    assertThat(HEX.formatHex(genesis.getHeader().getDataHash().toByteArray()))
        .isEqualTo(SHA256_OF_NOTHING);
    assertThat(HEX.formatHex(BlockHashes.headerBytes(genesis.getHeader())))
        .isEqualTo("3027" + "020100" + "0400" + "0420" + SHA256_OF_NOTHING);
  }

  @Test
  void block_numbers_beyond_a_signed_long_stay_positive() {
    BlockHeader header = BlockHeader.newBuilder().setNumber(-1L).build();

    assertThat(HEX.formatHex(BlockHashes.headerBytes(header)))
        .isEqualTo("300f" + "020900ffffffffffffffff" + "0400" + "0400");
  }

  @Test
  void the_data_hash_covers_the_entries_concatenated_in_order() {
    Block block = Blocks.genesis(List.of(bytes("ab"), bytes("c")));
    Block regrouped = Blocks.genesis(List.of(bytes("a"), bytes("bc")));
    Block reordered = Blocks.genesis(List.of(bytes("c"), bytes("ab")));

    assertThat(block.getHeader().getDataHash()).isEqualTo(regrouped.getHeader().getDataHash());
    assertThat(block.getHeader().getDataHash()).isNotEqualTo(reordered.getHeader().getDataHash());
  }

  @Test
  void a_block_built_on_its_predecessor_follows_it_and_has_fabrics_metadata_slots() {
    Block genesis = Blocks.genesis(List.of(bytes("config")));
    Block next = Blocks.next(genesis, List.of(bytes("tx1"), bytes("tx2")));

    assertThat(ChainCheck.follows(genesis, next)).isEmpty();
    assertThat(next.getHeader().getNumber()).isEqualTo(1);
    assertThat(next.getMetadata().getMetadataCount()).isEqualTo(5);
  }

  @Test
  void tampered_data_is_caught_by_the_data_hash() {
    Block genesis = Blocks.genesis(List.of(bytes("config")));
    Block next = Blocks.next(genesis, List.of(bytes("tx1")));
    Block tampered =
        next.toBuilder().setData(next.getData().toBuilder().setData(0, bytes("tx9"))).build();

    assertThat(ChainCheck.follows(genesis, tampered))
        .isEqualTo(Optional.of(ChainCheck.Problem.WRONG_DATA_HASH));
  }

  @Test
  void the_link_check_leaves_the_data_hash_to_the_caller_but_checks_number_and_previous_hash() {
    Block genesis = Blocks.genesis(List.of(bytes("config")));
    Block next = Blocks.next(genesis, List.of(bytes("tx1")));
    Block tampered =
        next.toBuilder().setData(next.getData().toBuilder().setData(0, bytes("tx9"))).build();
    Block stranger = Blocks.next(Blocks.genesis(List.of(bytes("other"))), List.of(bytes("tx1")));

    assertThat(ChainCheck.linksTo(genesis, tampered)).isEmpty();
    assertThat(ChainCheck.linksTo(genesis, stranger))
        .isEqualTo(Optional.of(ChainCheck.Problem.BROKEN_HASH_CHAIN));
    assertThat(ChainCheck.linksTo(next, next))
        .isEqualTo(Optional.of(ChainCheck.Problem.WRONG_NUMBER));
    assertThat(ChainCheck.linksTo(genesis, Block.getDefaultInstance()))
        .isEqualTo(Optional.of(ChainCheck.Problem.INCOMPLETE));
  }

  @Test
  void a_block_that_names_another_predecessor_breaks_the_chain() {
    Block genesis = Blocks.genesis(List.of(bytes("config")));
    Block other = Blocks.genesis(List.of(bytes("another config")));
    Block next = Blocks.next(other, List.of(bytes("tx1")));

    assertThat(ChainCheck.follows(genesis, next))
        .isEqualTo(Optional.of(ChainCheck.Problem.BROKEN_HASH_CHAIN));
  }

  @Test
  void a_block_out_of_sequence_is_refused() {
    Block genesis = Blocks.genesis(List.of(bytes("config")));
    Block second = Blocks.next(Blocks.next(genesis, List.of()), List.of());

    assertThat(ChainCheck.follows(genesis, second))
        .isEqualTo(Optional.of(ChainCheck.Problem.WRONG_NUMBER));
    assertThat(ChainCheck.follows(genesis, Block.getDefaultInstance()))
        .isEqualTo(Optional.of(ChainCheck.Problem.INCOMPLETE));
  }

  @Test
  void metadata_is_outside_the_hashes() {
    Block genesis = Blocks.genesis(List.of(bytes("config")));
    Block next = Blocks.next(genesis, List.of(bytes("tx1")));
    Block signed =
        next.toBuilder()
            .setMetadata(next.getMetadata().toBuilder().setMetadata(0, bytes("signatures")))
            .build();

    assertThat(BlockHashes.headerHash(signed.getHeader()))
        .isEqualTo(BlockHashes.headerHash(next.getHeader()));
    assertThat(ChainCheck.follows(genesis, signed)).isEmpty();
  }

  private static ByteString bytes(String text) {
    return ByteString.copyFrom(text, StandardCharsets.UTF_8);
  }
}
