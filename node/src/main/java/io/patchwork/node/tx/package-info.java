/** Fabric transactions as peers read them: proposals, their headers and transaction ids. */
package io.patchwork.node.tx;
