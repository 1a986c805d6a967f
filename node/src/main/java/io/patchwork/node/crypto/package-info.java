/** Signature checks as Fabric makes them, with a process-wide cache of verified signatures. */
package io.patchwork.node.crypto;
