package io.patchwork.node.store;

import com.google.protobuf.CodedOutputStream;
import io.patchwork.node.block.ChainCheck;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.hyperledger.fabric.protos.common.Block;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The version 1 block file described in the package documentation. */
final class FileBlockStore implements BlockStore {
  private static final Logger LOG = LoggerFactory.getLogger(BlockStore.class);
  static final String FILE_NAME = "blocks.v1";

  /** Present when the store starts above block 0: the number of its first block, in decimal. */
  static final String BASE_FILE_NAME = "base.v1";

  static final int RECORD_HEADER_BYTES = 8;
  static final int MAX_BLOCK_BYTES = 256 * 1024 * 1024;

  private final Path file;
  private final FileChannel channel;
  private long[] offsets;
  private long base;
  private long height;
  private long end;
  private Block last;

  /**
   * Where records are encoded before they are written: kept, so that appending a block of a few
   * megabytes does not allocate (and the JDK copy into) a fresh buffer every time. Guarded by this.
   */
  private ByteBuffer recordBuffer = ByteBuffer.allocateDirect(0);

  /** A record buffer grown beyond this for an unusually large block is not kept. */
  private static final int KEPT_BUFFER_BYTES = 32 * 1024 * 1024;

  private FileBlockStore(Path file, FileChannel channel) {
    this.file = file;
    this.channel = channel;
    this.offsets = new long[1024];
  }

  static FileBlockStore open(Path directory) throws IOException {
    return open(directory, Optional.empty());
  }

  static FileBlockStore open(Path directory, Optional<Block> anchor) throws IOException {
    Files.createDirectories(directory);
    Path file = directory.resolve(FILE_NAME);
    Path baseFile = directory.resolve(BASE_FILE_NAME);
    if (anchor.isPresent()
        && anchor.get().getHeader().getNumber() > 0
        && !Files.exists(baseFile)
        && (!Files.exists(file) || Files.size(file) == 0)) {
      writeBase(baseFile, anchor.get().getHeader().getNumber());
    }
    FileChannel channel =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileBlockStore store = new FileBlockStore(file, channel);
    try {
      store.base = readBase(baseFile);
      store.height = store.base;
      store.recover();
      if (anchor.isPresent()) {
        store.anchor(anchor.get());
      }
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    return store;
  }

  private static void writeBase(Path baseFile, long number) throws IOException {
    Path temporary = baseFile.resolveSibling(BASE_FILE_NAME + ".tmp");
    try (FileChannel out =
        FileChannel.open(
            temporary,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      out.write(ByteBuffer.wrap(Long.toString(number).getBytes(StandardCharsets.US_ASCII)));
      out.force(true);
    }
    Files.move(temporary, baseFile, StandardCopyOption.ATOMIC_MOVE);
  }

  private static long readBase(Path baseFile) throws IOException {
    if (!Files.exists(baseFile)) {
      return 0;
    }
    String text = Files.readString(baseFile, StandardCharsets.US_ASCII).trim();
    try {
      long number = Long.parseLong(text);
      if (number < 0) {
        throw new NumberFormatException(text);
      }
      return number;
    } catch (NumberFormatException e) {
      throw new BlockStore.CorruptBlockStoreException(
          baseFile + ": holds '" + text + "', not the number of the store's first block");
    }
  }

  /** Starts an empty store at the anchor block, or checks a started one holds it. */
  private synchronized void anchor(Block anchor) throws IOException {
    long number = anchor.getHeader().getNumber();
    if (last == null) {
      if (number != base) {
        throw new BlockStore.CorruptBlockStoreException(
            file + ": the store starts at block " + base + ", not at the anchor " + number);
      }
      write(anchor);
      return;
    }
    Optional<Block> held = get(number);
    if (held.isEmpty() || !held.get().getHeader().equals(anchor.getHeader())) {
      throw new BlockStore.CorruptBlockStoreException(
          file + ": the store does not hold the anchor block " + number + " it was started from");
    }
  }

  /** Reads every record, checks the chain, and cuts off a torn last record. */
  private void recover() throws IOException {
    long size = channel.size();
    long position = 0;
    while (position < size) {
      Optional<Record> record = readRecord(position, size);
      if (record.isEmpty()) {
        break;
      }
      Block block = record.get().block();
      Optional<ChainCheck.Problem> problem = firstOrNext(block, false);
      if (problem.isPresent()) {
        throw new BlockStore.CorruptBlockStoreException(
            file + ": block at byte " + position + " does not chain: " + problem.get());
      }
      remember(position, block);
      position = record.get().next();
    }
    end = position;
    if (position < size) {
      LOG.atWarn()
          .setMessage("cut off an incomplete block record left by a crash during an append")
          .addKeyValue("event", "node.blockstore.truncated")
          .addKeyValue("file", file)
          .addKeyValue("height", height)
          .addKeyValue("bytesCut", size - position)
          .log();
      channel.truncate(position);
      channel.force(true);
    }
  }

  private record Record(Block block, long next) {}

  /**
   * The record at the position; empty if it is the torn tail of the file: cut short, a bad checksum
   * with nothing after it, or zeros to the end (what some file systems show of a write that
   * extended the file when the machine stopped).
   */
  private Optional<Record> readRecord(long position, long size) throws IOException {
    if (size - position < RECORD_HEADER_BYTES) {
      return Optional.empty();
    }
    ByteBuffer header = readFully(position, RECORD_HEADER_BYTES);
    int length = header.getInt();
    int checksum = header.getInt();
    if (length == 0 && zerosToEnd(position, size)) {
      return Optional.empty();
    }
    if (length <= 0 || length > MAX_BLOCK_BYTES) {
      throw corrupt(position, size, "an impossible record length " + length);
    }
    long next = position + RECORD_HEADER_BYTES + (long) length;
    if (next > size) {
      return Optional.empty();
    }
    ByteBuffer body = readFully(position + RECORD_HEADER_BYTES, length);
    CRC32C crc = new CRC32C();
    crc.update(body.duplicate());
    if ((int) crc.getValue() != checksum) {
      if (zerosToEnd(next, size)) {
        return Optional.empty();
      }
      throw corrupt(position, size, "a record whose checksum does not match");
    }
    return Optional.of(new Record(Block.parseFrom(body), next));
  }

  private boolean zerosToEnd(long position, long size) throws IOException {
    for (long at = position; at < size; at += 64 * 1024) {
      ByteBuffer chunk = readFully(at, (int) Math.min(64 * 1024, size - at));
      while (chunk.hasRemaining()) {
        if (chunk.get() != 0) {
          return false;
        }
      }
    }
    return true;
  }

  private BlockStore.CorruptBlockStoreException corrupt(long position, long size, String what) {
    return new BlockStore.CorruptBlockStoreException(
        file + ": " + what + " at byte " + position + " of " + size + "; the file is damaged");
  }

  /**
   * Block 0 starts a store from genesis; a store started from a snapshot's anchor takes that block
   * as given (the snapshot was checked) and chains from it. A block whose data hash the caller has
   * checked is only checked for its link to the last one.
   */
  private Optional<ChainCheck.Problem> firstOrNext(Block block, boolean dataHashChecked) {
    if (last != null) {
      return dataHashChecked ? ChainCheck.linksTo(last, block) : ChainCheck.follows(last, block);
    }
    if (base == 0) {
      return ChainCheck.first(block);
    }
    return block.getHeader().getNumber() == base
        ? Optional.empty()
        : Optional.of(ChainCheck.Problem.WRONG_NUMBER);
  }

  @Override
  public synchronized long first() {
    return base;
  }

  @Override
  public synchronized long height() {
    return height;
  }

  @Override
  public synchronized Optional<Block> last() {
    return Optional.ofNullable(last);
  }

  @Override
  public Optional<Block> get(long number) throws IOException {
    long position;
    synchronized (this) {
      if (number < base || number >= height) {
        return Optional.empty();
      }
      if (number == height - 1) {
        // An orderer's peers ask for the newest block as soon as it is cut; it is at hand.
        return Optional.of(last);
      }
      position = offsets[(int) (number - base)];
    }
    ByteBuffer header = readFully(position, RECORD_HEADER_BYTES);
    int length = header.getInt();
    return Optional.of(Block.parseFrom(readFully(position + RECORD_HEADER_BYTES, length)));
  }

  @Override
  public synchronized void append(Block block) throws IOException {
    // A store waiting for its snapshot anchor takes it only through open, never through append.
    Optional<ChainCheck.Problem> problem =
        last == null && base > 0
            ? Optional.of(ChainCheck.Problem.WRONG_NUMBER)
            : firstOrNext(block, true);
    if (problem.isPresent()) {
      throw new BlockStore.BlockRejectedException(
          problem.get(),
          "block "
              + block.getHeader().getNumber()
              + " cannot follow height "
              + height
              + ": "
              + problem.get());
    }
    write(block);
  }

  private void write(Block block) throws IOException {
    int length = block.getSerializedSize();
    if (length > MAX_BLOCK_BYTES) {
      throw new IOException(
          "block "
              + block.getHeader().getNumber()
              + " takes "
              + length
              + " bytes; a block store record holds at most "
              + MAX_BLOCK_BYTES);
    }
    ByteBuffer record = recordBuffer(RECORD_HEADER_BYTES + length);
    ByteBuffer body = record.duplicate().position(RECORD_HEADER_BYTES);
    CodedOutputStream out = CodedOutputStream.newInstance(body);
    block.writeTo(out);
    out.flush();
    out.checkNoSpaceLeft();
    CRC32C crc = new CRC32C();
    crc.update(record.duplicate().position(RECORD_HEADER_BYTES));
    record.putInt(0, length).putInt(4, (int) crc.getValue());
    long position = end;
    while (record.hasRemaining()) {
      position += channel.write(record, position);
    }
    channel.force(false);
    if (recordBuffer.capacity() > KEPT_BUFFER_BYTES) {
      recordBuffer = ByteBuffer.allocateDirect(0);
    }
    remember(end, block);
    end = position;
  }

  /** The record buffer, cleared and limited to {@code size} bytes, grown if it is too small. */
  private ByteBuffer recordBuffer(int size) {
    if (recordBuffer.capacity() < size) {
      // Whole mebibytes, so that blocks of similar sizes do not each grow it again.
      int capacity = (int) Math.min(Integer.MAX_VALUE, ((long) size + (1 << 20) - 1) & -(1L << 20));
      recordBuffer = ByteBuffer.allocateDirect(capacity);
    }
    return recordBuffer.clear().limit(size);
  }

  private void remember(long position, Block block) {
    if (height - base == offsets.length) {
      offsets = Arrays.copyOf(offsets, offsets.length * 2);
    }
    offsets[(int) (height - base)] = position;
    height++;
    last = block;
  }

  private ByteBuffer readFully(long position, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(length);
    long at = position;
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, at);
      if (read < 0) {
        throw new BlockStore.CorruptBlockStoreException(
            file + ": unexpected end of file at byte " + at);
      }
      at += read;
    }
    return buffer.flip();
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
