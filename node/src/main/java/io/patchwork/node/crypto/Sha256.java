package io.patchwork.node.crypto;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 for the paths every peer runs for every transaction: a fresh digest copied from one made
 * once (cheaper than a provider lookup each time), fed from byte strings without copying them.
 */
public final class Sha256 {
  private static final MessageDigest PROTOTYPE = lookUp();

  private Sha256() {}

  /** A fresh SHA-256 digest. */
  public static MessageDigest newDigest() {
    try {
      return (MessageDigest) PROTOTYPE.clone();
    } catch (CloneNotSupportedException e) {
      return lookUp();
    }
  }

  /**
   * Adds the bytes of {@code bytes} to {@code digest} straight from the arrays behind them: a
   * read-only buffer view would be copied through a scratch array first. The digest only reads
   * them.
   */
  public static void update(MessageDigest digest, ByteString bytes) {
    try {
      UnsafeByteOperations.unsafeWriteTo(bytes, new DigestOutput(digest));
    } catch (IOException e) {
      throw new UncheckedIOException("a digest does not fail", e);
    }
  }

  private static MessageDigest lookUp() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private static final class DigestOutput extends ByteOutput {
    private final MessageDigest digest;

    DigestOutput(MessageDigest digest) {
      this.digest = digest;
    }

    @Override
    public void write(byte value) {
      digest.update(value);
    }

    @Override
    public void write(byte[] value, int offset, int length) {
      digest.update(value, offset, length);
    }

    @Override
    public void writeLazy(byte[] value, int offset, int length) {
      digest.update(value, offset, length);
    }

    @Override
    public void write(ByteBuffer value) {
      digest.update(value);
    }

    @Override
    public void writeLazy(ByteBuffer value) {
      digest.update(value);
    }
  }
}
