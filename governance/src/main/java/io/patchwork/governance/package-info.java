/**
 * Governance: proposals, voting policies, ballots signed by member admins and a deterministic
 * tally. Arrives with issue #4.
 */
package io.patchwork.governance;
