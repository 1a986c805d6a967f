package io.patchwork.node.crypto;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.io.IOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * Verifies ECDSA signatures over SHA-256 the way Fabric's peers do: DER-encoded {@code (r, s)},
 * both in range, and {@code s} in the lower half of the curve order (Fabric refuses high-S
 * signatures, which would make a second valid encoding of the same signature).
 *
 * <p>Nodes in one JVM check the same signatures many times (every peer validates every
 * transaction), so successful verifications are remembered, as Bitcoin Core's signature cache does.
 * An entry is the SHA-256 of the public key, the message and the signature together; only valid
 * signatures are cached, and a lookup matches only the exact triple verified before, so the cache
 * can never turn an invalid signature valid or the other way round. It holds at most {@code
 * capacity} entries, evicting about the least recently used.
 *
 * <p>Thread-safe.
 */
public final class SignatureVerifier {
  private static final int KEY_CACHE_LIMIT = 10_000;
  private static final int CONCURRENCY = 16;

  private final Cache<Entry, Boolean> verified;
  private final Map<Entry, CompletableFuture<Boolean>> inFlight = new ConcurrentHashMap<>();
  private final Map<ByteString, ECPublicKeyParameters> keys = new ConcurrentHashMap<>();
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();

  /** A verifier whose cache holds up to {@code capacity} verified signatures (0: no cache). */
  public SignatureVerifier(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative");
    }
    // Guava's segmented cache (gRPC brings Guava): lookups from every node's threads do not queue
    // on one lock, as they did on a synchronized access-ordered map.
    this.verified =
        CacheBuilder.newBuilder().maximumSize(capacity).concurrencyLevel(CONCURRENCY).build();
  }

  /**
   * Whether {@code signature} is a valid low-S ECDSA signature by {@code key} over SHA-256 of
   * {@code message}.
   */
  public boolean verify(PublicKey key, byte[] message, byte[] signature) {
    return verify(
        key, UnsafeByteOperations.unsafeWrap(message), UnsafeByteOperations.unsafeWrap(signature));
  }

  /**
   * The same check for a message and signature held as byte strings — the parts of a transaction a
   * peer validates — without copying them.
   */
  public boolean verify(PublicKey key, ByteString message, ByteString signature) {
    byte[] encodedKey = key.getEncoded();
    Entry entry = Entry.of(encodedKey, message, signature);
    if (verified.getIfPresent(entry) != null) {
      hits.incrementAndGet();
      return true;
    }
    // Peers of one JVM validate a block at the same moment: the first to ask computes, the
    // others wait for its answer instead of repeating the same verification.
    CompletableFuture<Boolean> mine = new CompletableFuture<>();
    CompletableFuture<Boolean> running = inFlight.putIfAbsent(entry, mine);
    if (running != null) {
      hits.incrementAndGet();
      return running.join();
    }
    misses.incrementAndGet();
    boolean valid = false;
    try {
      Optional<ECPublicKeyParameters> parameters = publicKey(encodedKey);
      valid = parameters.isPresent() && verifyUncached(parameters.get(), message, signature);
      if (valid) {
        verified.put(entry, Boolean.TRUE);
      }
    } finally {
      mine.complete(valid);
      inFlight.remove(entry);
    }
    return valid;
  }

  /**
   * The decoded key, kept so that Bouncy Castle's precomputed multiples of the key's point (stored
   * on the point object) serve every later verification with the same key.
   */
  private Optional<ECPublicKeyParameters> publicKey(byte[] encoded) {
    ByteString id = ByteString.copyFrom(encoded);
    ECPublicKeyParameters known = keys.get(id);
    if (known != null) {
      return Optional.of(known);
    }
    Optional<ECPublicKeyParameters> decoded = decode(encoded);
    decoded.ifPresent(
        parameters -> {
          if (keys.size() >= KEY_CACHE_LIMIT) {
            keys.clear();
          }
          keys.put(id, parameters);
        });
    return decoded;
  }

  private static Optional<ECPublicKeyParameters> decode(byte[] encoded) {
    try {
      AsymmetricKeyParameter parameters =
          PublicKeyFactory.createKey(SubjectPublicKeyInfo.getInstance(encoded));
      return parameters instanceof ECPublicKeyParameters ec ? Optional.of(ec) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** How many verifications the cache answered. */
  public long cacheHits() {
    return hits.get();
  }

  /** How many verifications were computed. */
  public long cacheMisses() {
    return misses.get();
  }

  static boolean verifyUncached(PublicKey key, byte[] message, byte[] signature) {
    Optional<ECPublicKeyParameters> parameters = decode(key.getEncoded());
    return parameters.isPresent()
        && verifyUncached(
            parameters.get(),
            UnsafeByteOperations.unsafeWrap(message),
            UnsafeByteOperations.unsafeWrap(signature));
  }

  private static boolean verifyUncached(
      ECPublicKeyParameters publicKey, ByteString message, ByteString signature) {
    BigInteger r;
    BigInteger s;
    try {
      ASN1Sequence sequence =
          ASN1Sequence.getInstance(ASN1Primitive.fromByteArray(signature.toByteArray()));
      if (sequence.size() != 2) {
        return false;
      }
      r = ASN1Integer.getInstance(sequence.getObjectAt(0)).getValue();
      s = ASN1Integer.getInstance(sequence.getObjectAt(1)).getValue();
    } catch (IOException | RuntimeException e) {
      return false;
    }
    BigInteger order = publicKey.getParameters().getN();
    if (r.signum() <= 0
        || s.signum() <= 0
        || r.compareTo(order) >= 0
        || s.compareTo(order.shiftRight(1)) > 0) {
      return false;
    }
    ECDSASigner verifier = new ECDSASigner();
    verifier.init(false, publicKey);
    MessageDigest digest = Sha256.newDigest();
    Sha256.update(digest, message);
    return verifier.verifySignature(digest.digest(), r, s);
  }

  /** The hash of one (key, message, signature) triple, length-prefixed so parts cannot shift. */
  private record Entry(byte[] digest) {
    static Entry of(byte[] key, ByteString message, ByteString signature) {
      MessageDigest digest = Sha256.newDigest();
      digest.update(length(key.length));
      digest.update(key);
      digest.update(length(message.size()));
      Sha256.update(digest, message);
      digest.update(length(signature.size()));
      Sha256.update(digest, signature);
      return new Entry(digest.digest());
    }

    private static byte[] length(int length) {
      return new byte[] {
        (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length
      };
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Entry that && Arrays.equals(digest, that.digest);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(digest);
    }
  }
}
