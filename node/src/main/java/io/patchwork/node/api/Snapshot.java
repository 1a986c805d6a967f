package io.patchwork.node.api;

import com.google.protobuf.ByteString;

/** A world-state snapshot written to a file: the height it stands at and what it holds. */
public record Snapshot(long height, long entries, ByteString stateHash) {}
