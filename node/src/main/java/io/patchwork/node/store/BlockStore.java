package io.patchwork.node.store;

import io.patchwork.node.block.ChainCheck;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.hyperledger.fabric.protos.common.Block;

/**
 * A node's blocks, in order, on disk.
 *
 * <p>Threading: one writer at a time ({@link #append} is serialised internally); any number of
 * concurrent readers. A block {@link #append} returned for is on disk (forced) and survives a crash
 * of the process or the machine.
 */
public interface BlockStore extends AutoCloseable {

  /**
   * Opens the store in the directory, creating it if needed, and recovers from a crash during an
   * append by cutting off the torn last record.
   *
   * @throws CorruptBlockStoreException if a record before the end is damaged or the blocks do not
   *     chain
   */
  static BlockStore open(Path directory) throws IOException {
    return FileBlockStore.open(directory);
  }

  /**
   * Opens a store that starts at {@code anchor} rather than at block 0: a peer that joined from a
   * state snapshot holds the snapshot's last block and everything after it. An empty directory is
   * started with the anchor; an existing store must hold it.
   */
  static BlockStore openFrom(Path directory, Block anchor) throws IOException {
    return FileBlockStore.open(directory, Optional.of(anchor));
  }

  /** Number of the first block held: 0, or the anchor of a store started from a snapshot. */
  long first();

  /** The next block's number: one more than the last block held (0 when empty). */
  long height();

  /** The last block, if any. */
  Optional<Block> last();

  /** The block with that number, if stored. */
  Optional<Block> get(long number) throws IOException;

  /**
   * Appends the next block and forces it to disk. Its data hash is the caller's to have checked
   * (peers check it with the orderers' signatures, orderers compute it); the store checks it again
   * for every block it reads back when it opens.
   *
   * @throws BlockRejectedException if it is not block 0 of an empty store or does not follow the
   *     last block (number, previous hash); nothing is written then
   */
  void append(Block block) throws IOException;

  @Override
  void close() throws IOException;

  /** A block that cannot be appended, and why. */
  final class BlockRejectedException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final ChainCheck.Problem problem;

    BlockRejectedException(ChainCheck.Problem problem, String message) {
      super(message);
      this.problem = problem;
    }

    public ChainCheck.Problem problem() {
      return problem;
    }
  }

  /** The store on disk is damaged somewhere a crash cannot explain. */
  final class CorruptBlockStoreException extends IOException {
    private static final long serialVersionUID = 1L;

    CorruptBlockStoreException(String message) {
      super(message);
    }
  }
}
