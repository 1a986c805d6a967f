package io.patchwork.node.state;

import com.google.protobuf.ByteString;
import io.patchwork.node.crypto.Sha256;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * The world state's multiset hash: the sum, modulo 2^256, of SHA-256 over each entry's encoding
 * (length-prefixed namespace, key and value, then the version's block and transaction numbers).
 * Adding and removing entries updates it without a scan, and the order entries were written in does
 * not matter. Not thread-safe; one per committing thread.
 */
final class StateHash {
  private static final BigInteger MODULUS = BigInteger.ONE.shiftLeft(256);
  static final int BYTES = 32;

  private BigInteger sum;

  StateHash(ByteString initial) {
    this.sum = initial.isEmpty() ? BigInteger.ZERO : new BigInteger(1, initial.toByteArray());
  }

  void add(byte[] entryHash) {
    sum = sum.add(new BigInteger(1, entryHash)).mod(MODULUS);
  }

  void remove(byte[] entryHash) {
    sum = sum.subtract(new BigInteger(1, entryHash)).mod(MODULUS);
  }

  ByteString value() {
    byte[] raw = sum.toByteArray();
    byte[] fixed = new byte[BYTES];
    int copy = Math.min(raw.length, BYTES);
    System.arraycopy(raw, raw.length - copy, fixed, BYTES - copy, copy);
    return ByteString.copyFrom(fixed);
  }

  /** SHA-256 of one entry's canonical encoding. */
  static byte[] entry(String namespace, String key, byte[] value, long blockNumber, long txNumber) {
    byte[] ns = namespace.getBytes(StandardCharsets.UTF_8);
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    return entry(ns, k, value, 0, value.length, blockNumber, txNumber);
  }

  static byte[] entry(
      byte[] namespace,
      byte[] key,
      byte[] value,
      int valueOffset,
      int valueLength,
      long blockNumber,
      long txNumber) {
    MessageDigest digest = Sha256.newDigest();
    ByteBuffer lengths = ByteBuffer.allocate(4);
    digest.update(lengths.putInt(0, namespace.length).array());
    digest.update(namespace);
    digest.update(lengths.putInt(0, key.length).array());
    digest.update(key);
    digest.update(lengths.putInt(0, valueLength).array());
    digest.update(value, valueOffset, valueLength);
    digest.update(ByteBuffer.allocate(16).putLong(blockNumber).putLong(txNumber).array());
    return digest.digest();
  }
}
