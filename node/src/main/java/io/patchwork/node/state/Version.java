package io.patchwork.node.state;

/**
 * Where a value was last written: the block and the transaction's position in it, as Fabric's
 * {@code kvrwset.Version}. Versions order by block, then transaction.
 */
public record Version(long blockNumber, long txNumber) implements Comparable<Version> {
  public Version {
    if (blockNumber < 0 || txNumber < 0) {
      throw new IllegalArgumentException("version numbers must not be negative");
    }
  }

  @Override
  public int compareTo(Version other) {
    int byBlock = Long.compare(blockNumber, other.blockNumber);
    return byBlock != 0 ? byBlock : Long.compare(txNumber, other.txNumber);
  }
}
