/**
 * One ledger node (orderer or peer) speaking Hyperledger Fabric's Gateway protocol; being built for
 * issue #3. So far: {@link io.patchwork.node.block} (Fabric block hashing and chain checks), {@link
 * io.patchwork.node.store} (the append-only block file), {@link io.patchwork.node.crypto}
 * (Fabric-strict ECDSA checks with a signature cache), {@link io.patchwork.node.identity} (creators
 * checked against the ledger's trust roots and CRLs) and {@link io.patchwork.node.tx} (signed
 * proposals decoded and their transaction ids checked).
 */
package io.patchwork.node;
