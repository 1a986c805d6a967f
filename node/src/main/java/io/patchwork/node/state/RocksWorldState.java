package io.patchwork.node.state;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The world state in RocksDB, format 1.
 *
 * <p>Column families: {@code state} maps {@code UTF-8(namespace) 0x00 UTF-8(key)} to {@code int64
 * block ‖ int64 tx ‖ value} (big-endian), so a namespace's keys are contiguous and ordered by their
 * UTF-8 bytes; {@code txindex} maps {@code UTF-8(txId)} to {@code int64 block ‖ int32 tx ‖ int32
 * validation code}; {@code meta} holds {@code format} (int32 1), {@code height} (int64) and {@code
 * hash} (32 bytes), written in the same batch as each block's entries, and {@code hash@} ‖ int64
 * height for every height committed here (the hash after that block, for the state attestations
 * other peers ask for when a new peer starts from a snapshot).
 *
 * <p>One class on purpose: it is the one owner of the RocksDB handles, column families and this
 * on-disk format; reads, per-block batch reads, commits and snapshots share them, and the format
 * stays right when its encoding lives in one place.
 */
final class RocksWorldState implements WorldState {
  static final int FORMAT_VERSION = 1;
  static final byte[] STATE = "state".getBytes(StandardCharsets.US_ASCII);
  static final byte[] TXINDEX = "txindex".getBytes(StandardCharsets.US_ASCII);
  static final byte[] META = "meta".getBytes(StandardCharsets.US_ASCII);
  static final byte[] FORMAT_KEY = "format".getBytes(StandardCharsets.US_ASCII);
  static final byte[] HEIGHT_KEY = "height".getBytes(StandardCharsets.US_ASCII);
  static final byte[] HASH_KEY = "hash".getBytes(StandardCharsets.US_ASCII);
  static final byte[] HASH_AT_PREFIX = "hash@".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION_BYTES = 16;
  private static final int RANGE_PAGE = 1_000;

  /**
   * Share of a memtable spent on a bloom filter of its keys. Every validated transaction looks its
   * id up (a miss unless it is a duplicate) and reads the keys it read at endorsement; without a
   * filter each miss searches both memtables' skip lists, the largest single cost of a peer's reads
   * in profiles of a 100-node ledger.
   */
  private static final double MEMTABLE_BLOOM_RATIO = 0.1;

  private final Path directory;
  private final DBOptions dbOptions;
  private final ColumnFamilyOptions stateOptions;
  private final ColumnFamilyOptions plainOptions;
  private final List<ColumnFamilyHandle> handles;
  private final RocksDB db;
  private final ColumnFamilyHandle state;
  private final ColumnFamilyHandle txIndex;
  private final ColumnFamilyHandle meta;
  private final WriteOptions writeOptions = new WriteOptions();
  private volatile long height;
  private volatile ByteString hashValue;
  private volatile boolean closed;
  // Reads and writes hold the read side; close takes the write side, so the native database is
  // never closed under an operation in progress.
  private final ReentrantReadWriteLock access = new ReentrantReadWriteLock();

  @FunctionalInterface
  private interface IoSupplier<T> {
    T get() throws IOException;
  }

  private <T> T whileOpen(Supplier<T> operation) {
    access.readLock().lock();
    try {
      if (closed) {
        throw new StateAccessException("the world state in " + directory + " is closed");
      }
      return operation.get();
    } finally {
      access.readLock().unlock();
    }
  }

  private <T> T whileOpenIo(IoSupplier<T> operation) throws IOException {
    access.readLock().lock();
    try {
      if (closed) {
        throw new IOException("the world state in " + directory + " is closed");
      }
      return operation.get();
    } finally {
      access.readLock().unlock();
    }
  }

  private RocksWorldState(
      Path directory,
      DBOptions dbOptions,
      ColumnFamilyOptions stateOptions,
      ColumnFamilyOptions plainOptions,
      List<ColumnFamilyHandle> handles,
      RocksDB db,
      long height,
      ByteString hash) {
    this.directory = directory;
    this.dbOptions = dbOptions;
    this.stateOptions = stateOptions;
    this.plainOptions = plainOptions;
    this.handles = handles;
    this.db = db;
    this.state = handles.get(1);
    this.txIndex = handles.get(2);
    this.meta = handles.get(3);
    this.height = height;
    this.hashValue = hash;
  }

  static RocksWorldState open(Path directory, StateResources resources) throws IOException {
    Files.createDirectories(directory);
    BlockBasedTableConfig table =
        new BlockBasedTableConfig()
            .setBlockCache(resources.cache())
            .setCacheIndexAndFilterBlocks(true)
            .setFilterPolicy(new BloomFilter(10));
    ColumnFamilyOptions stateOptions =
        new ColumnFamilyOptions()
            .setWriteBufferSize(4L << 20)
            .setMaxWriteBufferNumber(2)
            .setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO)
            .setMemtableWholeKeyFiltering(true)
            .setTableFormatConfig(table);
    ColumnFamilyOptions plainOptions =
        new ColumnFamilyOptions()
            .setWriteBufferSize(2L << 20)
            .setMaxWriteBufferNumber(2)
            .setMemtablePrefixBloomSizeRatio(MEMTABLE_BLOOM_RATIO)
            .setMemtableWholeKeyFiltering(true)
            .setTableFormatConfig(
                new BlockBasedTableConfig()
                    .setBlockCache(resources.cache())
                    .setCacheIndexAndFilterBlocks(true)
                    .setFilterPolicy(new BloomFilter(10)));
    DBOptions dbOptions =
        new DBOptions()
            .setCreateIfMissing(true)
            .setCreateMissingColumnFamilies(true)
            .setWriteBufferManager(resources.writeBuffers())
            .setMaxOpenFiles(64)
            .setMaxBackgroundJobs(2)
            .setKeepLogFileNum(2)
            .setInfoLogLevel(org.rocksdb.InfoLogLevel.WARN_LEVEL);
    List<ColumnFamilyDescriptor> descriptors =
        List.of(
            new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, plainOptions),
            new ColumnFamilyDescriptor(STATE, stateOptions),
            new ColumnFamilyDescriptor(TXINDEX, plainOptions),
            new ColumnFamilyDescriptor(META, plainOptions));
    List<ColumnFamilyHandle> handles = new ArrayList<>();
    RocksDB db;
    try {
      db = RocksDB.open(dbOptions, directory.toString(), descriptors, handles);
    } catch (RocksDBException e) {
      dbOptions.close();
      stateOptions.close();
      plainOptions.close();
      throw new IOException(
          "world state in " + directory + " cannot be opened: " + e.getMessage(), e);
    }
    try {
      ColumnFamilyHandle meta = handles.get(3);
      byte[] format = db.get(meta, FORMAT_KEY);
      if (format == null) {
        db.put(meta, FORMAT_KEY, ByteBuffer.allocate(4).putInt(FORMAT_VERSION).array());
      } else if (ByteBuffer.wrap(format).getInt() != FORMAT_VERSION) {
        throw new IOException(
            "world state in "
                + directory
                + " has format "
                + ByteBuffer.wrap(format).getInt()
                + "; this version of Patchwork reads format "
                + FORMAT_VERSION);
      }
      byte[] heightBytes = db.get(meta, HEIGHT_KEY);
      byte[] hashBytes = db.get(meta, HASH_KEY);
      long height = heightBytes == null ? -1 : ByteBuffer.wrap(heightBytes).getLong();
      ByteString hash =
          hashBytes == null
              ? ByteString.copyFrom(new byte[StateHash.BYTES])
              : ByteString.copyFrom(hashBytes);
      if (height >= 0 && db.get(meta, hashAtKey(height)) == null) {
        // A state written before hashes were kept per height: keep the one it has.
        db.put(meta, hashAtKey(height), hash.toByteArray());
      }
      return new RocksWorldState(
          directory, dbOptions, stateOptions, plainOptions, handles, db, height, hash);
    } catch (RocksDBException | IOException | RuntimeException e) {
      handles.forEach(ColumnFamilyHandle::close);
      db.close();
      dbOptions.close();
      stateOptions.close();
      plainOptions.close();
      if (e instanceof IOException io) {
        throw io;
      }
      throw new IOException(
          "world state in " + directory + " cannot be read: " + e.getMessage(), e);
    }
  }

  // ---- reads ----

  @Override
  public Optional<VersionedValue> get(String namespace, String key) {
    return whileOpen(() -> getOpen(namespace, key));
  }

  private Optional<VersionedValue> getOpen(String namespace, String key) {
    Namespaces.check(namespace);
    try {
      byte[] stored = getOne(state, stateKey(namespace, key));
      return Optional.ofNullable(stored).map(RocksWorldState::decodeValue);
    } catch (RocksDBException e) {
      throw new StateAccessException("reading " + namespace + "/" + key, e);
    }
  }

  @Override
  public List<StateEntry> range(String namespace, String startKey, String endKey, int limit) {
    return whileOpen(() -> rangeOpen(namespace, startKey, endKey, limit));
  }

  private List<StateEntry> rangeOpen(String namespace, String startKey, String endKey, int limit) {
    Namespaces.check(namespace);
    if (limit <= 0) {
      return List.of();
    }
    byte[] from = stateKey(namespace, startKey);
    byte[] to = endKey.isEmpty() ? namespaceEnd(namespace) : stateKey(namespace, endKey);
    int prefix = namespace.getBytes(StandardCharsets.UTF_8).length + 1;
    List<StateEntry> entries = new ArrayList<>(Math.min(limit, RANGE_PAGE));
    try (RocksIterator iterator = db.newIterator(state)) {
      for (iterator.seek(from);
          iterator.isValid() && entries.size() < limit && compare(iterator.key(), to) < 0;
          iterator.next()) {
        byte[] key = iterator.key();
        entries.add(
            new StateEntry(
                new String(key, prefix, key.length - prefix, StandardCharsets.UTF_8),
                decodeValue(iterator.value())));
      }
    }
    return entries;
  }

  @Override
  public long height() {
    return height;
  }

  @Override
  public Optional<TxRecord> transaction(String txId) {
    return whileOpen(() -> transactionOpen(txId));
  }

  private Optional<TxRecord> transactionOpen(String txId) {
    if (txId.isEmpty()) {
      return Optional.empty();
    }
    try {
      byte[] stored = getOne(txIndex, txId.getBytes(StandardCharsets.UTF_8));
      if (stored == null) {
        return Optional.empty();
      }
      ByteBuffer buffer = ByteBuffer.wrap(stored);
      return Optional.of(new TxRecord(txId, buffer.getLong(), buffer.getInt(), buffer.getInt()));
    } catch (RocksDBException e) {
      throw new StateAccessException("reading transaction " + txId, e);
    }
  }

  @Override
  public Set<String> committedTransactions(Collection<String> txIds) {
    return whileOpen(() -> committedTransactionsOpen(txIds));
  }

  private Set<String> committedTransactionsOpen(Collection<String> txIds) {
    List<String> ids = txIds.stream().filter(id -> !id.isEmpty()).toList();
    Set<String> committed = new HashSet<>();
    try {
      multiGet(txIndex, ids, id -> id.getBytes(StandardCharsets.UTF_8))
          .forEach(
              (id, record) -> {
                if (record != null) {
                  committed.add(id);
                }
              });
    } catch (RocksDBException e) {
      throw new StateAccessException("reading " + ids.size() + " transaction ids", e);
    }
    return committed;
  }

  @Override
  public Map<StateKey, Optional<VersionedValue>> values(Collection<StateKey> keys) {
    return whileOpen(() -> valuesOpen(keys));
  }

  private Map<StateKey, Optional<VersionedValue>> valuesOpen(Collection<StateKey> keys) {
    Map<StateKey, Optional<VersionedValue>> found = new HashMap<>();
    try {
      multiGet(
              state,
              keys,
              key -> {
                Namespaces.check(key.namespace());
                return stateKey(key.namespace(), key.key());
              })
          .forEach(
              (key, stored) ->
                  found.put(key, Optional.ofNullable(stored).map(RocksWorldState::decodeValue)));
    } catch (RocksDBException e) {
      throw new StateAccessException("reading " + keys.size() + " state keys", e);
    }
    return found;
  }

  /**
   * The stored value of each of {@code keys}, encoded by {@code encode}, in one call into RocksDB:
   * every key asked for has an entry, null if absent.
   */
  private <K> Map<K, byte[]> multiGet(
      ColumnFamilyHandle family, Collection<K> keys, Function<K, byte[]> encode)
      throws RocksDBException {
    List<K> distinct = new ArrayList<>(new LinkedHashSet<>(keys));
    List<byte[]> encoded = new ArrayList<>(distinct.size());
    for (K key : distinct) {
      encoded.add(encode.apply(key));
    }
    List<byte[]> stored = multiGet(family, encoded);
    Map<K, byte[]> found = new HashMap<>();
    for (int i = 0; i < distinct.size(); i++) {
      found.put(distinct.get(i), stored.get(i));
    }
    return found;
  }

  /**
   * The value of one key, null if absent. Asked as a batch of one: RocksJava's single-key {@code
   * get} raises and catches a C++ exception inside its JNI binding for every absent key, and a
   * transaction id is absent on every duplicate check.
   */
  private byte[] getOne(ColumnFamilyHandle family, byte[] key) throws RocksDBException {
    return multiGet(family, List.of(key)).get(0);
  }

  /**
   * The values of {@code keys} of one column family in one call into RocksDB, null where absent.
   */
  private List<byte[]> multiGet(ColumnFamilyHandle family, List<byte[]> keys)
      throws RocksDBException {
    return keys.isEmpty()
        ? List.of()
        : db.multiGetAsList(Collections.nCopies(keys.size(), family), keys);
  }

  @Override
  public ByteString stateHash() {
    return hashValue;
  }

  @Override
  public Optional<ByteString> stateHashAt(long blockNumber) {
    return whileOpen(
        () -> {
          try {
            byte[] stored = db.get(meta, hashAtKey(blockNumber));
            return Optional.ofNullable(stored).map(ByteString::copyFrom);
          } catch (RocksDBException e) {
            throw new StateAccessException("reading the state hash at block " + blockNumber, e);
          }
        });
  }

  private static byte[] hashAtKey(long blockNumber) {
    return ByteBuffer.allocate(HASH_AT_PREFIX.length + 8)
        .put(HASH_AT_PREFIX)
        .putLong(blockNumber)
        .array();
  }

  @Override
  public ByteString recomputeStateHash() {
    return whileOpen(this::recomputeStateHashOpen);
  }

  private ByteString recomputeStateHashOpen() {
    try (Snapshot snapshot = db.getSnapshot();
        ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
      try {
        return recompute(read);
      } finally {
        db.releaseSnapshot(snapshot);
      }
    }
  }

  private ByteString recompute(ReadOptions read) {
    StateHash fresh = new StateHash(ByteString.EMPTY);
    try (RocksIterator iterator = db.newIterator(state, read)) {
      for (iterator.seekToFirst(); iterator.isValid(); iterator.next()) {
        fresh.add(entryHash(iterator.key(), iterator.value()));
      }
    }
    return fresh.value();
  }

  // ---- commit ----

  @Override
  public void commit(BlockUpdate update) throws IOException {
    whileOpenIo(
        () -> {
          commitOpen(update);
          return null;
        });
  }

  private void commitOpen(BlockUpdate update) throws IOException {
    long number = update.blockNumber();
    if (number <= height) {
      return;
    }
    if (number != height + 1) {
      throw new IllegalStateException(
          "world state is at height " + height + "; block " + number + " would leave a gap");
    }
    StateHash next = new StateHash(hashValue);
    try (WriteBatch batch = new WriteBatch()) {
      // Every key the block writes, with its value so far: the committed one, then what earlier
      // transactions of the block wrote, so the hash removes the right previous entry.
      Map<ByteString, Optional<byte[]>> written = committedValues(update);
      for (TxWrites tx : update.writes()) {
        for (StateWrite write : tx.writes()) {
          byte[] key = stateKey(write.namespace(), write.key());
          ByteString mapKey = ByteString.copyFrom(key);
          Optional<byte[]> previous = written.get(mapKey);
          previous.ifPresent(old -> next.remove(entryHash(key, old)));
          if (write.delete()) {
            written.put(mapKey, Optional.empty());
          } else {
            byte[] stored = encodeValue(number, tx.txNumber(), write.value());
            next.add(entryHash(key, stored));
            written.put(mapKey, Optional.of(stored));
          }
        }
      }
      for (Map.Entry<ByteString, Optional<byte[]>> entry : written.entrySet()) {
        byte[] key = entry.getKey().toByteArray();
        if (entry.getValue().isPresent()) {
          batch.put(state, key, entry.getValue().get());
        } else {
          batch.delete(state, key);
        }
      }
      for (TxRecord record : update.transactions()) {
        if (record.txId().isEmpty()) {
          continue;
        }
        batch.put(
            txIndex,
            record.txId().getBytes(StandardCharsets.UTF_8),
            ByteBuffer.allocate(16)
                .putLong(record.blockNumber())
                .putInt(record.txNumber())
                .putInt(record.validationCode())
                .array());
      }
      ByteString newHash = next.value();
      batch.put(meta, HEIGHT_KEY, ByteBuffer.allocate(8).putLong(number).array());
      batch.put(meta, HASH_KEY, newHash.toByteArray());
      batch.put(meta, hashAtKey(number), newHash.toByteArray());
      db.write(writeOptions, batch);
      hashValue = newHash;
      height = number;
    } catch (RocksDBException e) {
      throw new IOException(
          "block " + number + " could not be written to the world state in " + directory, e);
    }
  }

  /**
   * The committed value of every key the update writes: from the update's {@code committedReads}
   * where it has the key, the rest read in one batch (one call into RocksDB for the block instead
   * of one per write). The map is the caller's to change.
   */
  private Map<ByteString, Optional<byte[]>> committedValues(BlockUpdate update)
      throws RocksDBException {
    Map<ByteString, byte[]> keys = new LinkedHashMap<>();
    Map<ByteString, Optional<byte[]>> committed = new HashMap<>();
    for (TxWrites tx : update.writes()) {
      for (StateWrite write : tx.writes()) {
        byte[] key = stateKey(write.namespace(), write.key());
        ByteString mapKey = ByteString.copyFrom(key);
        if (committed.containsKey(mapKey) || keys.containsKey(mapKey)) {
          continue;
        }
        Optional<VersionedValue> read =
            update.committedReads().get(new StateKey(write.namespace(), write.key()));
        if (read == null) {
          keys.put(mapKey, key);
        } else {
          committed.put(
              mapKey,
              read.map(
                  value ->
                      encodeValue(
                          value.version().blockNumber(),
                          value.version().txNumber(),
                          value.value())));
        }
      }
    }
    List<byte[]> values = multiGet(state, new ArrayList<>(keys.values()));
    int i = 0;
    for (ByteString key : keys.keySet()) {
      committed.put(key, Optional.ofNullable(values.get(i++)));
    }
    return committed;
  }

  // ---- snapshots ----

  @Override
  public SnapshotInfo exportSnapshot(Path file, ByteString peerMetadata) throws IOException {
    return whileOpenIo(() -> exportSnapshotOpen(file, peerMetadata));
  }

  private SnapshotInfo exportSnapshotOpen(Path file, ByteString peerMetadata) throws IOException {
    try (Snapshot snapshot = db.getSnapshot();
        ReadOptions read = new ReadOptions().setSnapshot(snapshot)) {
      try {
        byte[] heightBytes = db.get(meta, read, HEIGHT_KEY);
        byte[] hashBytes = db.get(meta, read, HASH_KEY);
        if (heightBytes == null) {
          throw new IOException("an empty world state has no snapshot");
        }
        try (RocksIterator entries = db.newIterator(state, read);
            RocksIterator transactions = db.newIterator(txIndex, read)) {
          return Snapshots.write(
              file,
              ByteBuffer.wrap(heightBytes).getLong(),
              ByteString.copyFrom(hashBytes),
              peerMetadata,
              entries,
              transactions);
        }
      } catch (RocksDBException e) {
        throw new IOException("world state in " + directory + " cannot be read for a snapshot", e);
      } finally {
        db.releaseSnapshot(snapshot);
      }
    }
  }

  /** Loads a batch of snapshot entries into an empty state being imported. */
  void load(WriteBatch batch) throws IOException {
    try {
      db.write(writeOptions, batch);
    } catch (RocksDBException e) {
      throw new IOException("snapshot entries could not be written to " + directory, e);
    }
  }

  /** Finishes an import: sets height and hash once every entry is loaded and checked. */
  void finishImport(long importedHeight, ByteString importedHash) throws IOException {
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(meta, HEIGHT_KEY, ByteBuffer.allocate(8).putLong(importedHeight).array());
      batch.put(meta, HASH_KEY, importedHash.toByteArray());
      batch.put(meta, hashAtKey(importedHeight), importedHash.toByteArray());
      db.write(writeOptions, batch);
      hashValue = importedHash;
      height = importedHeight;
    } catch (RocksDBException e) {
      throw new IOException("snapshot could not be finished in " + directory, e);
    }
  }

  ColumnFamilyHandle stateFamily() {
    return state;
  }

  ColumnFamilyHandle txIndexFamily() {
    return txIndex;
  }

  /**
   * Closes the database once the operations in progress are done; any later call fails with a clear
   * error instead of reaching a closed native handle.
   */
  @Override
  public void close() {
    access.writeLock().lock();
    try {
      closeLocked();
    } finally {
      access.writeLock().unlock();
    }
  }

  private void closeLocked() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      db.flushWal(true);
    } catch (RocksDBException e) {
      // The data is in the write-ahead log; the next open recovers it.
    }
    writeOptions.close();
    handles.forEach(ColumnFamilyHandle::close);
    db.close();
    dbOptions.close();
    stateOptions.close();
    plainOptions.close();
  }

  // ---- encodings ----

  static byte[] stateKey(String namespace, String key) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[ns.length + 1 + k.length];
    System.arraycopy(ns, 0, out, 0, ns.length);
    System.arraycopy(k, 0, out, ns.length + 1, k.length);
    return out;
  }

  private static byte[] namespaceEnd(String namespace) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    byte[] out = Arrays.copyOf(ns, ns.length + 1);
    out[ns.length] = 1;
    return out;
  }

  static byte[] encodeValue(long blockNumber, long txNumber, ByteString value) {
    byte[] out = new byte[VERSION_BYTES + value.size()];
    ByteBuffer.wrap(out).putLong(blockNumber).putLong(txNumber);
    value.copyTo(out, VERSION_BYTES);
    return out;
  }

  private static VersionedValue decodeValue(byte[] stored) {
    ByteBuffer buffer = ByteBuffer.wrap(stored);
    Version version = new Version(buffer.getLong(), buffer.getLong());
    return new VersionedValue(
        ByteString.copyFrom(stored, VERSION_BYTES, stored.length - VERSION_BYTES), version);
  }

  /** The entry hash of a stored key and value (in their on-disk encodings). */
  static byte[] entryHash(byte[] key, byte[] stored) {
    int separator = 0;
    while (key[separator] != 0) {
      separator++;
    }
    byte[] namespace = Arrays.copyOfRange(key, 0, separator);
    byte[] plainKey = Arrays.copyOfRange(key, separator + 1, key.length);
    ByteBuffer buffer = ByteBuffer.wrap(stored);
    long block = buffer.getLong();
    long tx = buffer.getLong();
    return StateHash.entry(
        namespace, plainKey, stored, VERSION_BYTES, stored.length - VERSION_BYTES, block, tx);
  }

  static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /** A read failed in the storage engine: the node's disk or files are in trouble. */
  static final class StateAccessException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    StateAccessException(String what, RocksDBException cause) {
      super("world state failed " + what + ": " + cause.getMessage(), cause);
    }

    StateAccessException(String message) {
      super(message);
    }
  }
}
