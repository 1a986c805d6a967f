package io.patchwork.node.state;

import com.google.protobuf.ByteString;
import java.util.Objects;

/**
 * What a snapshot file holds: the height it was taken at, the state hash there, the exporting
 * peer's metadata (the anchor block), the entry and transaction counts, and the file's hash.
 */
public record SnapshotInfo(
    long height,
    ByteString stateHash,
    ByteString peerMetadata,
    long entries,
    long transactions,
    ByteString fileHash) {
  public SnapshotInfo {
    Objects.requireNonNull(stateHash, "stateHash");
    Objects.requireNonNull(peerMetadata, "peerMetadata");
    Objects.requireNonNull(fileHash, "fileHash");
  }
}
