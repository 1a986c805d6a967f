package io.patchwork.node.tx;

import com.google.protobuf.ByteString;
import io.patchwork.node.crypto.Sha256;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Fabric transaction ids: lower-case hex of SHA-256 over the signature header's nonce followed by
 * its creator (the serialized identity). A peer recomputes the id of every proposal it receives and
 * refuses one whose channel header claims another, so ids cannot be chosen to collide.
 */
public final class TransactionIds {
  private TransactionIds() {}

  /** The id Fabric derives from a nonce and a creator. */
  public static String compute(ByteString nonce, ByteString creator) {
    MessageDigest digest = Sha256.newDigest();
    Sha256.update(digest, nonce);
    Sha256.update(digest, creator);
    return HexFormat.of().formatHex(digest.digest());
  }
}
