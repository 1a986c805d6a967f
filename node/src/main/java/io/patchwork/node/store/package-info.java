/**
 * A node's append-only block store.
 *
 * <p>Disk format, version 1: the file {@code blocks.v1} holds records one after the other, each a
 * 4-byte big-endian length {@code n}, a 4-byte big-endian CRC32C of the next {@code n} bytes, then
 * {@code n} bytes: one Fabric {@code common.Block} in protobuf encoding. Blocks are numbered from 0
 * without gaps and each one's previous hash names its predecessor's header hash. A record cut
 * short, or failing its checksum with nothing but zeros after it, is the trace of a crash during an
 * append; it is cut off when the store opens. A bad record anywhere else means the file was
 * damaged, and the store refuses to open.
 */
package io.patchwork.node.store;
