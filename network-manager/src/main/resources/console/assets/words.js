// Ledger facts in words, as both the operator's and the members' pages show them.

import {el, when} from "./dom.js";

export function votingWords(v) {
  const comparator = v.comparator === "GREATER_THAN" ? "more than" : "at least";
  return `${comparator} ${v.thresholdPercent}% of members vote yes` +
    (v.quorumPercent ? `, with at least ${v.quorumPercent}% voting` : "") + `; open for ${v.duration}`;
}

/** The proposals, newest first, with their tallies. */
export function proposalTable(proposals) {
  if (!proposals.length) return el("p", {}, "No proposals yet.");
  return el("table", {"aria-label": "Proposals"},
    el("thead", {}, el("tr", {}, ["Proposal", "Action", "Proposer", "Status", "Yes", "No", "Eligible", "Created"].map((h) => el("th", {scope: "col"}, h)))),
    el("tbody", {}, [...proposals].sort((x, y) => y.createdAt.localeCompare(x.createdAt)).map((p) => el("tr", {"data-proposal": p.id},
      el("td", {class: "mono"}, p.id.slice(0, 12)), el("td", {}, actionWords(p.action)), el("td", {}, p.proposer),
      el("td", {class: "status"}, p.status), el("td", {class: "n"}, p.yes ?? ""), el("td", {class: "n"}, p.no ?? ""),
      el("td", {class: "n"}, p.eligible ?? ""), el("td", {}, when(p.createdAt))))));
}

export function actionWords(a) {
  switch (a.kind) {
    case "ADD_MEMBER": return `Add member ${a.organization} (${a.mspId})`;
    case "REMOVE_MEMBER": return `Remove member ${a.mspId}`;
    case "REMOVE_ORDERER": return `Remove orderer ${a.nodeId}`;
    case "ADD_ORDERER": return `Add orderer ${a.nodeId} of ${a.mspId} at ${a.endpoint}`;
    case "CLOSE_LEDGER": return `Close the ledger and settle${a.settlementAsset ? ` in ${a.settlementAsset}` : ""}`;
    case "CHANGE_POLICY": return "Change policy: " + [
      a.voting ? `voting ${votingWords(a.voting)}` : null,
      a.endorsingOrganizations ? `${a.endorsingOrganizations} members must endorse` : null,
      a.maxTransactionsPerBlock ? `at most ${a.maxTransactionsPerBlock} transactions a block` : null,
      a.commitStatus ? `commit status ${a.commitStatus.scope} within ${a.commitStatus.timeout}` : null].filter(Boolean).join("; ");
    case "UPGRADE_CONTRACT": return `Upgrade contract ${a.contract} to ${a.version} (code ${a.codeHash})`;
    case "REPLACE_AUTHORITY": return "Replace the ledger's certificate authority";
    default: return a.kind;
  }
}
