/**
 * Governance: proposals, voting policies, ballots signed by member admins and a deterministic
 * tally.
 *
 * <p>A pure library — no I/O, no clock, no trust of its own. A ledger records a {@link
 * io.patchwork.governance.Proposal} with the policy and eligible members fixed at the block that
 * carried it; each {@link io.patchwork.governance.Ballot} is admitted by {@link
 * io.patchwork.governance.Votes#admit} (signature, admin identity through a {@link
 * io.patchwork.governance.VoterCheck}, one final vote per organisation, before expiry and decision)
 * and the status follows from {@link io.patchwork.governance.Tally#of}, so every peer, and anyone
 * replaying the ledger later, reaches the same decisions.
 */
package io.patchwork.governance;
