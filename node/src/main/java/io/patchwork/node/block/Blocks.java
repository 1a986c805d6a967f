package io.patchwork.node.block;

import com.google.protobuf.ByteString;
import java.util.List;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.BlockData;
import org.hyperledger.fabric.protos.common.BlockHeader;
import org.hyperledger.fabric.protos.common.BlockMetadata;
import org.hyperledger.fabric.protos.common.BlockMetadataIndex;

/** Builds Fabric blocks with their header hashes set and empty metadata slots. */
public final class Blocks {
  private Blocks() {}

  /** Block 0: no previous hash. */
  public static Block genesis(List<ByteString> data) {
    return build(0, ByteString.EMPTY, data);
  }

  /** The block that follows {@code previous}, holding the data entries in order. */
  public static Block next(Block previous, List<ByteString> data) {
    return build(
        previous.getHeader().getNumber() + 1,
        ByteString.copyFrom(BlockHashes.headerHash(previous.getHeader())),
        data);
  }

  private static Block build(long number, ByteString previousHash, List<ByteString> data) {
    BlockData blockData = BlockData.newBuilder().addAllData(data).build();
    BlockMetadata.Builder metadata = BlockMetadata.newBuilder();
    // One slot per metadata index Fabric defines (signatures, last config, validation codes, ...).
    for (int i = 0; i < BlockMetadataIndex.values().length - 1; i++) {
      metadata.addMetadata(ByteString.EMPTY);
    }
    return Block.newBuilder()
        .setHeader(
            BlockHeader.newBuilder()
                .setNumber(number)
                .setPreviousHash(previousHash)
                .setDataHash(ByteString.copyFrom(BlockHashes.dataHash(blockData))))
        .setData(blockData)
        .setMetadata(metadata)
        .build();
  }
}
