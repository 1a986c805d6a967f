package io.patchwork.node.state;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A peer's world state: the current value and version of every key, per contract namespace, as of
 * its last committed block, plus an index of committed transaction ids.
 *
 * <p>Threading: one thread commits, blocks in order; any number of threads read concurrently. A
 * block's writes become visible to readers all at once.
 *
 * <p>Durability: the peer forces a block to its block store before it commits the block here, and
 * on restart replays stored blocks above {@link #height()}; so a commit is written through the
 * write-ahead log without forcing it to disk (it survives the process being killed; a machine crash
 * may lose the last blocks, which the replay restores). {@link #close()} flushes.
 */
public interface WorldState extends StateReader, AutoCloseable {

  /** Opens the state in {@code directory}, creating an empty one if there is none. */
  static WorldState open(Path directory, StateResources resources) throws IOException {
    return RocksWorldState.open(directory, resources);
  }

  /**
   * Applies one block's writes atomically: values, versions, transaction index, height and state
   * hash move together. A block at or below {@link #height()} is ignored (replay after a crash is
   * idempotent).
   *
   * @throws IllegalStateException if the block is not the next one (a gap)
   */
  void commit(BlockUpdate update) throws IOException;

  /** Where a transaction id was committed, if it was. */
  Optional<TxRecord> transaction(String txId);

  /**
   * Which of {@code txIds} were committed, read in one batch: a whole block's duplicate checks cost
   * one call into the store instead of one per transaction.
   */
  Set<String> committedTransactions(Collection<String> txIds);

  /**
   * The committed value of each of {@code keys}, read in one batch; every key asked for has an
   * entry, empty if the key is absent.
   *
   * @throws IllegalArgumentException if a namespace is empty or holds U+0000
   */
  Map<StateKey, Optional<VersionedValue>> values(Collection<StateKey> keys);

  /**
   * A 32-byte hash of every entry (namespace, key, value, version), kept up to date on each commit:
   * two states with the same entries have the same hash, however they got there.
   */
  ByteString stateHash();

  /**
   * The state hash as it was right after block {@code blockNumber} committed here, or empty for a
   * block this state did not commit (before the snapshot it started from, or past its height).
   */
  Optional<ByteString> stateHashAt(long blockNumber);

  /** The state hash computed afresh from every entry; equals {@link #stateHash()}. */
  ByteString recomputeStateHash();

  /**
   * Writes a snapshot of the committed state to {@code file} (atomically: a temporary file moved
   * into place), consistent at one height while commits go on.
   */
  SnapshotInfo exportSnapshot(Path file, ByteString peerMetadata) throws IOException;

  /**
   * Creates a state in the empty or absent {@code directory} from a snapshot file, after checking
   * the file's hash and that its entries give the state hash it claims. Leaves nothing behind if it
   * fails.
   */
  static WorldState importSnapshot(Path file, Path directory, StateResources resources)
      throws IOException {
    return Snapshots.importInto(file, directory, resources);
  }

  /** Reads and checks a snapshot file (its hash and structure) without importing it. */
  static SnapshotInfo readSnapshotInfo(Path file) throws IOException {
    return Snapshots.read(file, record -> {});
  }

  /** A snapshot's header and trailer facts, and the value it holds for one key, if any. */
  record SnapshotValue(SnapshotInfo info, Optional<ByteString> value) {}

  /**
   * Reads and checks a snapshot file as {@link #readSnapshotInfo} does, keeping the value it holds
   * for one key on the way: one pass over the file.
   */
  static SnapshotValue readSnapshotValue(Path file, String namespace, String key)
      throws IOException {
    ByteString[] found = new ByteString[1];
    SnapshotInfo info =
        Snapshots.read(
            file,
            record -> {
              if (record.hasEntry()
                  && record.getEntry().getNamespace().equals(namespace)
                  && record.getEntry().getKey().equals(key)) {
                found[0] = record.getEntry().getValue();
              }
            });
    return new SnapshotValue(info, Optional.ofNullable(found[0]));
  }

  @Override
  void close();
}
