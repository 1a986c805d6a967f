/** Who signed: Fabric serialized identities checked against a ledger's trust roots and CRLs. */
package io.patchwork.node.identity;
