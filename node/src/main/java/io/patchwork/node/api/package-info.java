/**
 * What the network manager uses of a ledger: a {@link io.patchwork.node.api.LedgerHost} that starts
 * ledgers from a {@link io.patchwork.node.api.LedgerPlan} or reopens them from disk, a {@link
 * io.patchwork.node.api.HostedLedger} handle per ledger (its nodes, the config in force, governance
 * records, config transactions, the settlement statement and the archive), and the messages a
 * member signs on its own side ({@link io.patchwork.node.api.MemberMessages}).
 *
 * <p>Nothing here exposes a node's internals (peers' world state, block stores, Raft): a ledger
 * whose nodes run in this process and one whose nodes run elsewhere can both stand behind these
 * interfaces. Values are records of protobuf messages ({@code io.patchwork.node.config.proto}),
 * {@code java.security} types and the ones declared here. Failures the caller can act on are a
 * {@link io.patchwork.node.api.LedgerException} with a stable {@link
 * io.patchwork.node.api.LedgerError}.
 */
package io.patchwork.node.api;
