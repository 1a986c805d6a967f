package io.patchwork.node.state;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.node.crypto.Sha256;
import io.patchwork.node.state.proto.SnapshotEntry;
import io.patchwork.node.state.proto.SnapshotHeader;
import io.patchwork.node.state.proto.SnapshotRecord;
import io.patchwork.node.state.proto.SnapshotTrailer;
import io.patchwork.node.state.proto.SnapshotTransaction;
import io.patchwork.node.store.FileTrees;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;

/** Writes, reads and imports world-state snapshot files (layout in {@code state.proto}). */
final class Snapshots {
  static final String MAGIC = "PWSNAP";
  static final int FORMAT_VERSION = 1;
  private static final int IMPORT_BATCH = 10_000;
  private static final int MAX_RECORD_BYTES = 128 * 1024 * 1024;

  private Snapshots() {}

  static SnapshotInfo write(
      Path file,
      long height,
      ByteString stateHash,
      ByteString peerMetadata,
      RocksIterator entries,
      RocksIterator transactions)
      throws IOException {
    Path directory = file.toAbsolutePath().getParent();
    Files.createDirectories(directory);
    Path temporary = Files.createTempFile(directory, file.getFileName().toString(), ".partial");
    try {
      MessageDigest digest = Sha256.newDigest();
      long entryCount = 0;
      long transactionCount = 0;
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE);
          OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16)) {
        CodedOutputStream coded = CodedOutputStream.newInstance(out, 1 << 16);
        writeRecord(
            coded,
            digest,
            SnapshotRecord.newBuilder()
                .setHeader(
                    SnapshotHeader.newBuilder()
                        .setMagic(MAGIC)
                        .setFormatVersion(FORMAT_VERSION)
                        .setHeight(height)
                        .setStateHash(stateHash)
                        .setPeerMetadata(peerMetadata))
                .build());
        for (entries.seekToFirst(); entries.isValid(); entries.next()) {
          writeRecord(coded, digest, entryRecord(entries.key(), entries.value()));
          entryCount++;
        }
        for (transactions.seekToFirst(); transactions.isValid(); transactions.next()) {
          ByteBuffer value = ByteBuffer.wrap(transactions.value());
          writeRecord(
              coded,
              digest,
              SnapshotRecord.newBuilder()
                  .setTransaction(
                      SnapshotTransaction.newBuilder()
                          .setTxId(new String(transactions.key(), StandardCharsets.UTF_8))
                          .setBlockNumber(value.getLong())
                          .setTxNumber(value.getInt())
                          .setValidationCode(value.getInt()))
                  .build());
          transactionCount++;
        }
        ByteString fileHash = ByteString.copyFrom(digest.digest());
        SnapshotRecord trailer =
            SnapshotRecord.newBuilder()
                .setTrailer(
                    SnapshotTrailer.newBuilder()
                        .setEntries(entryCount)
                        .setTransactions(transactionCount)
                        .setSha256(fileHash))
                .build();
        coded.writeUInt32NoTag(trailer.getSerializedSize());
        trailer.writeTo(coded);
        coded.flush();
        out.flush();
        channel.force(true);
        Files.move(
            temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return new SnapshotInfo(
            height, stateHash, peerMetadata, entryCount, transactionCount, fileHash);
      }
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  private static SnapshotRecord entryRecord(byte[] key, byte[] stored) {
    int separator = 0;
    while (key[separator] != 0) {
      separator++;
    }
    ByteBuffer value = ByteBuffer.wrap(stored);
    return SnapshotRecord.newBuilder()
        .setEntry(
            SnapshotEntry.newBuilder()
                .setNamespace(new String(key, 0, separator, StandardCharsets.UTF_8))
                .setKey(
                    new String(
                        key, separator + 1, key.length - separator - 1, StandardCharsets.UTF_8))
                .setBlockNumber(value.getLong())
                .setTxNumber(value.getLong())
                .setValue(ByteString.copyFrom(stored, 16, stored.length - 16)))
        .build();
  }

  private static void writeRecord(
      CodedOutputStream out, MessageDigest digest, SnapshotRecord record) throws IOException {
    byte[] bytes = record.toByteArray();
    digest.update(bytes);
    out.writeUInt32NoTag(bytes.length);
    out.writeRawBytes(bytes);
  }

  /**
   * Reads a snapshot, handing every entry and transaction record to {@code sink} in file order, and
   * checks its structure, counts and hash.
   *
   * @throws IOException naming what is wrong if the file is not a complete, intact snapshot
   */
  static SnapshotInfo read(Path file, Consumer<SnapshotRecord> sink) throws IOException {
    MessageDigest digest = Sha256.newDigest();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      CodedInputStream coded = CodedInputStream.newInstance(in);
      coded.setSizeLimit(Integer.MAX_VALUE);
      SnapshotHeader header = null;
      long entries = 0;
      long transactions = 0;
      while (true) {
        if (coded.isAtEnd()) {
          throw new IOException(file + ": the snapshot ends without its trailer (truncated?)");
        }
        int length = coded.readRawVarint32();
        if (length < 0 || length > MAX_RECORD_BYTES) {
          throw new IOException(file + ": a snapshot record claims " + length + " bytes");
        }
        byte[] bytes = coded.readRawBytes(length);
        coded.resetSizeCounter();
        SnapshotRecord record = SnapshotRecord.parseFrom(bytes);
        if (header == null) {
          if (!record.hasHeader() || !MAGIC.equals(record.getHeader().getMagic())) {
            throw new IOException(file + ": not a Patchwork state snapshot");
          }
          if (record.getHeader().getFormatVersion() != FORMAT_VERSION) {
            throw new IOException(
                file
                    + ": snapshot format "
                    + record.getHeader().getFormatVersion()
                    + "; this version of Patchwork reads format "
                    + FORMAT_VERSION);
          }
          header = record.getHeader();
          digest.update(bytes);
          continue;
        }
        switch (record.getKindCase()) {
          case ENTRY -> entries++;
          case TRANSACTION -> transactions++;
          case TRAILER -> {
            SnapshotTrailer trailer = record.getTrailer();
            byte[] computed = digest.digest();
            if (!Arrays.equals(computed, trailer.getSha256().toByteArray())) {
              throw new IOException(file + ": the snapshot's content does not match its hash");
            }
            if (trailer.getEntries() != entries || trailer.getTransactions() != transactions) {
              throw new IOException(
                  file + ": the snapshot's record counts do not match its trailer");
            }
            if (!coded.isAtEnd()) {
              throw new IOException(file + ": bytes follow the snapshot's trailer");
            }
            return new SnapshotInfo(
                header.getHeight(),
                header.getStateHash(),
                header.getPeerMetadata(),
                entries,
                transactions,
                trailer.getSha256());
          }
          default -> throw new IOException(file + ": an unexpected record in the snapshot");
        }
        digest.update(bytes);
        sink.accept(record);
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(file + ": the snapshot is damaged: " + e.getMessage(), e);
    }
  }

  static WorldState importInto(Path file, Path directory, StateResources resources)
      throws IOException {
    if (Files.exists(directory)) {
      try (Stream<Path> children = Files.list(directory)) {
        if (children.findAny().isPresent()) {
          throw new IOException(
              directory + " is not empty; a snapshot is imported into a new directory");
        }
      }
    }
    // Check the whole file before creating anything.
    SnapshotInfo info = read(file, record -> {});
    RocksWorldState state = RocksWorldState.open(directory, resources);
    try {
      try (Loader loader = new Loader(state)) {
        read(file, loader);
        loader.flush();
      }
      ByteString recomputed = state.recomputeStateHash();
      if (!recomputed.equals(info.stateHash())) {
        throw new IOException(
            file + ": the snapshot's entries do not give the state hash it claims");
      }
      state.finishImport(info.height(), info.stateHash());
      return state;
    } catch (IOException | RuntimeException e) {
      state.close();
      deleteTree(directory);
      throw e;
    }
  }

  /** Copies records into the state being imported, in batches. */
  private static final class Loader implements Consumer<SnapshotRecord>, AutoCloseable {
    private final RocksWorldState state;
    private WriteBatch batch = new WriteBatch();
    private int pending;

    Loader(RocksWorldState state) {
      this.state = state;
    }

    @Override
    public void accept(SnapshotRecord record) {
      try {
        if (record.hasEntry()) {
          SnapshotEntry entry = record.getEntry();
          Namespaces.check(entry.getNamespace());
          batch.put(
              state.stateFamily(),
              RocksWorldState.stateKey(entry.getNamespace(), entry.getKey()),
              RocksWorldState.encodeValue(
                  entry.getBlockNumber(), entry.getTxNumber(), entry.getValue()));
        } else {
          SnapshotTransaction tx = record.getTransaction();
          batch.put(
              state.txIndexFamily(),
              tx.getTxId().getBytes(StandardCharsets.UTF_8),
              ByteBuffer.allocate(16)
                  .putLong(tx.getBlockNumber())
                  .putInt(tx.getTxNumber())
                  .putInt(tx.getValidationCode())
                  .array());
        }
        if (++pending >= IMPORT_BATCH) {
          flush();
        }
      } catch (org.rocksdb.RocksDBException | IOException e) {
        throw new IllegalStateException("snapshot import failed: " + e.getMessage(), e);
      }
    }

    void flush() throws IOException {
      state.load(batch);
      batch.close();
      batch = new WriteBatch();
      pending = 0;
    }

    @Override
    public void close() {
      batch.close();
    }
  }

  static void deleteTree(Path directory) {
    try {
      FileTrees.delete(directory);
    } catch (IOException e) {
      throw new UncheckedIOException("could not remove " + directory, e);
    }
  }
}
