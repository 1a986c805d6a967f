package io.patchwork.node.block;

import com.google.protobuf.ByteString;
import java.util.Arrays;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;

/**
 * Whether a block may follow another: the check a peer makes before anything else about a block it
 * receives. Expected outcomes are values, not exceptions.
 */
public final class ChainCheck {
  private ChainCheck() {}

  /** Why a block does not follow its predecessor. */
  public enum Problem {
    /** The block has no header or no data. */
    INCOMPLETE,
    /** Its number is not the predecessor's plus one. */
    WRONG_NUMBER,
    /** Its previous hash is not the predecessor's header hash. */
    BROKEN_HASH_CHAIN,
    /** Its data hash does not match its data. */
    WRONG_DATA_HASH
  }

  /** The problem with {@code next} following {@code previous}, or empty if it follows. */
  public static Optional<Problem> follows(Block previous, Block next) {
    return check(
        next,
        previous.getHeader().getNumber() + 1,
        ByteString.copyFrom(BlockHashes.headerHash(previous.getHeader())));
  }

  /**
   * The same check without the data hash: for a block whose data hash its holder has already
   * checked (a peer checks it with the orderers' signatures before it validates the block; an
   * orderer computed it), so it is not computed again over every transaction.
   */
  public static Optional<Problem> linksTo(Block previous, Block next) {
    return link(
        next,
        previous.getHeader().getNumber() + 1,
        ByteString.copyFrom(BlockHashes.headerHash(previous.getHeader())));
  }

  /** The problem with {@code block} being a chain's block 0, or empty if it can be. */
  public static Optional<Problem> first(Block block) {
    return check(block, 0, ByteString.EMPTY);
  }

  private static Optional<Problem> check(Block next, long number, ByteString previousHash) {
    Optional<Problem> link = link(next, number, previousHash);
    if (link.isPresent()) {
      return link;
    }
    if (!Arrays.equals(
        next.getHeader().getDataHash().toByteArray(), BlockHashes.dataHash(next.getData()))) {
      return Optional.of(Problem.WRONG_DATA_HASH);
    }
    return Optional.empty();
  }

  private static Optional<Problem> link(Block next, long number, ByteString previousHash) {
    if (!next.hasHeader() || !next.hasData()) {
      return Optional.of(Problem.INCOMPLETE);
    }
    if (next.getHeader().getNumber() != number) {
      return Optional.of(Problem.WRONG_NUMBER);
    }
    if (!next.getHeader().getPreviousHash().equals(previousHash)) {
      return Optional.of(Problem.BROKEN_HASH_CHAIN);
    }
    return Optional.empty();
  }
}
