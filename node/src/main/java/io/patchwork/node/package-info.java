/**
 * One ledger node (orderer or peer) speaking Hyperledger Fabric's Gateway protocol. Arrives with
 * issue #3.
 */
package io.patchwork.node;
