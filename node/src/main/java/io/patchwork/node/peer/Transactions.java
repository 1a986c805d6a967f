package io.patchwork.node.peer;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.patchwork.node.crypto.Sha256;
import java.security.MessageDigest;
import java.time.Instant;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.peer.ChaincodeProposalPayload;

/** Hashes and encodings shared by endorsement and validation. */
final class Transactions {
  private Transactions() {}

  /**
   * The hash an endorsement binds to: SHA-256 over the channel header, the signature header and the
   * chaincode proposal payload without its transient data, as Fabric computes it. Validation
   * recomputes it from the transaction's own header, so an endorsement cannot be moved to another
   * transaction.
   */
  static ByteString proposalHash(Header header, ByteString visiblePayload) {
    MessageDigest digest = Sha256.newDigest();
    Sha256.update(digest, header.getChannelHeader());
    Sha256.update(digest, header.getSignatureHeader());
    Sha256.update(digest, visiblePayload);
    return ByteString.copyFrom(digest.digest());
  }

  /** The chaincode proposal payload as it goes into a transaction: transient data removed. */
  static ByteString withoutTransient(ChaincodeProposalPayload payload) {
    return payload.toBuilder().clearTransientMap().build().toByteString();
  }

  static Instant instant(Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }
}
