package io.patchwork.node.state;

import com.google.protobuf.ByteString;
import java.util.Objects;

/** A value in the world state with the version that wrote it. */
public record VersionedValue(ByteString value, Version version) {
  public VersionedValue {
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(version, "version");
  }
}
