/**
 * Fabric blocks: hashing, building the next block of a chain, and checking that a block follows its
 * predecessor.
 */
package io.patchwork.node.block;
