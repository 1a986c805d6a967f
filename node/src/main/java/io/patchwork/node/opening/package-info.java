/**
 * A successor ledger's opening: what a closed predecessor's settlement statement carries over, the
 * rules an opening must keep, and the world-state records every peer writes for it at genesis.
 * Depends on the built-in contracts' record layouts and the config messages, nothing above.
 */
package io.patchwork.node.opening;
