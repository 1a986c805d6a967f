package io.patchwork.node.state;

import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBufferManager;

/**
 * Memory shared by every world state of a process: one block cache and one budget for memtables, so
 * a hundred peers in one JVM use a bounded amount of native memory between them. Close it after
 * every state that uses it.
 */
public final class StateResources implements AutoCloseable {
  static {
    RocksDB.loadLibrary();
  }

  private final LRUCache cache;
  private final WriteBufferManager writeBuffers;

  private StateResources(long cacheBytes) {
    this.cache = new LRUCache(cacheBytes);
    // Memtables are charged to the same cache, so one figure bounds both.
    this.writeBuffers = new WriteBufferManager(cacheBytes / 2, cache);
  }

  /** Resources with {@code cacheBytes} for blocks and memtables together (at least 8 MiB). */
  public static StateResources create(long cacheBytes) {
    if (cacheBytes < 8L << 20) {
      throw new IllegalArgumentException("the state cache needs at least 8 MiB");
    }
    return new StateResources(cacheBytes);
  }

  Cache cache() {
    return cache;
  }

  WriteBufferManager writeBuffers() {
    return writeBuffers;
  }

  @Override
  public void close() {
    writeBuffers.close();
    cache.close();
  }
}
