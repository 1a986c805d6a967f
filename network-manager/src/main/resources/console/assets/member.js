// The member admin's page: its ledger, members and proposals; proposals and ballots are signed
// here with the admin key (kept in this browser as a non-extractable key, or loaded from the
// credentials zip) after the page shows what is signed: the action in words and the SHA-256 of
// the exact bytes.

import {ApiFailure, call, session} from "./api.js";
import {base64, byId, clearErrors, el, field, hex, notice, sha256, show, showErrors, unbase64, when} from "./dom.js";
import {adminFromZip} from "./credentials.js";
import {importSigningKey, keepAdminKey, keptAdminKey, sign} from "./keys.js";
import {ballotBytes, bytesField, message, serializedIdentity} from "./proto.js";
import {statementView} from "./statement.js";
import {actionWords, proposalTable, votingWords} from "./words.js";

const main = byId("main");
const CHOICES = {YES: 1, NO: 2};

async function start() {
  const member = session.get("member");
  const key = member && (await keptAdminKey(member.ledger, member.mspId));
  if (!member || !key) { load(); return; }
  show(byId("session"), `${member.organization || member.mspId} (${member.mspId}) on ${member.ledger}`);
  await ledger(member, key);
}

function load(message) {
  const file = el("input", {type: "file", name: "credentials", accept: ".zip,application/zip"});
  const form = el("form", {class: "card", id: "load-credentials"},
    el("h1", {}, "Member admin"),
    el("p", {}, "Load the credentials zip you saved when you joined. The admin key is kept in this browser, and cannot be read back out of it."),
    field("Credentials zip", file),
    el("p", {class: "form-error", role: "alert"}),
    el("button", {type: "submit"}, "Load"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      if (!file.files.length) throw new Error("choose the zip first");
      const admin = await adminFromZip(new Uint8Array(await file.files[0].arrayBuffer()));
      await call("GET", `/ledgers/${encodeURIComponent(admin.ledger)}`, {token: admin.token});
      await keepAdminKey(admin.ledger, admin.mspId, await importSigningKey(admin.keyPem));
      session.set("member", {ledger: admin.ledger, mspId: admin.mspId, token: admin.token, certificate: admin.certificate});
      start();
    } catch (e) {
      form.querySelector(".form-error").textContent = e instanceof ApiFailure ? `${e.code}: ${e.message}` : e.message;
    }
  });
  show(main, message || "", form);
}

async function ledger(member, key) {
  const id = encodeURIComponent(member.ledger);
  let view;
  try {
    view = await call("GET", `/ledgers/${id}`, {token: member.token});
  } catch (e) {
    if (e.status === 401) { session.remove("member"); load(notice("error", `${e.code}: ${e.message}`)); return; }
    show(main, notice("error", `${e.code}: ${e.message}`));
    return;
  }
  const members = view.members || view.parties;
  const running = view.status === "ACTIVE" || view.status === "CLOSING";
  show(main,
    el("h1", {}, `Ledger ${view.name}`),
    el("dl", {class: "facts"},
      el("dt", {}, "Status"), el("dd", {class: `status status-${view.status}`, id: "ledger-status"}, view.status),
      el("dt", {}, "You"), el("dd", {}, member.mspId),
      el("dt", {}, "Members"), el("dd", {id: "members"}, members.map((m) => `${m.organization} (${m.mspId})`).join(", ")),
      view.voting ? [el("dt", {}, "Voting"), el("dd", {}, votingWords(view.voting))] : null,
      view.lifecycle && view.lifecycle.lifespanEndsAt ? [el("dt", {}, "Lifespan ends"), el("dd", {}, when(view.lifecycle.lifespanEndsAt))] : null),
    el("div", {id: "signing", "aria-live": "polite"}),
    el("h2", {}, "Proposals"), el("div", {id: "proposals"}, running ? "Loading…" : "The ledger's nodes are not running."),
    view.status === "ACTIVE" ? proposeForm(member, key, members) : null,
    view.status === "CLOSED" || view.status === "ARCHIVED" ? [el("h2", {}, "Statement"), el("div", {id: "statement-slot"})] : null);
  if (running) {
    let proposals;
    try {
      ({proposals} = await call("GET", `/ledgers/${id}/proposals`, {token: member.token}));
    } catch (e) {
      show(byId("proposals"), notice("error", `${e.code}: ${e.message}`));
      return;
    }
    const table = proposalTable(proposals);
    for (const p of proposals) {
      const row = table.querySelector(`tr[data-proposal="${CSS.escape(p.id)}"]`);
      if (!row) continue;
      const cell = el("td", {});
      if (p.status === "IN_PROGRESS" && !p.ballots.some((b) => b.mspId === member.mspId)) {
        for (const choice of ["YES", "NO"]) {
          const button = el("button", {type: "button", class: choice === "YES" ? null : "secondary", "data-vote": choice, "aria-label": `Vote ${choice} on ${actionWords(p.action)}`}, `Vote ${choice.toLowerCase()}`);
          button.addEventListener("click", () => prepareBallot(member, key, p, choice));
          cell.append(button, " ");
        }
      } else {
        const mine = p.ballots.find((b) => b.mspId === member.mspId);
        cell.append(mine ? `you voted ${mine.choice}` : "");
      }
      row.append(cell);
    }
    const head = table.querySelector("thead tr");
    if (head) head.append(el("th", {scope: "col"}, "Your vote"));
    show(byId("proposals"), table);
  }
  if (view.status === "CLOSED" || view.status === "ARCHIVED") {
    try {
      show(byId("statement-slot"), statementView(await call("GET", `/ledgers/${id}/statement`, {token: member.token})));
    } catch (e) {
      show(byId("statement-slot"), notice("error", `${e.code}: ${e.message}`));
    }
  }
}

function proposeForm(member, key, members) {
  const kind = el("select", {name: "action.kind"},
    [["ADD_MEMBER", "Add a member"], ["REMOVE_MEMBER", "Remove a member"], ["CHANGE_POLICY", "Change the voting policy"], ["CLOSE_LEDGER", "Close the ledger and settle"]]
      .map(([value, label]) => el("option", {value}, label)));
  const slots = el("div", {id: "action-fields"});
  const inputs = {
    ADD_MEMBER: () => [field("Organisation", el("input", {name: "action.organization", placeholder: "Bank C"})), field("MSP id", el("input", {name: "action.mspId", placeholder: "BankCMSP"}))],
    REMOVE_MEMBER: () => [field("Member", el("select", {name: "action.mspId"}, members.filter((m) => m.mspId !== member.mspId).map((m) => el("option", {value: m.mspId}, `${m.organization} (${m.mspId})`))))],
    CHANGE_POLICY: () => [field("Threshold (%)", el("input", {name: "action.voting.thresholdPercent", type: "number", min: 1, max: 100, value: 50})),
      field("Comparator", el("select", {name: "action.voting.comparator"}, el("option", {value: "GREATER_THAN"}, "more than"), el("option", {value: "GREATER_THAN_OR_EQUAL"}, "at least"))),
      field("Quorum (%)", el("input", {name: "action.voting.quorumPercent", type: "number", min: 0, max: 100, value: 0})),
      field("Open for", el("input", {name: "action.voting.duration", value: "PT24H"}), "ISO-8601 duration")],
    CLOSE_LEDGER: () => [field("Terms", el("input", {name: "action.terms", placeholder: "optional"}))],
  };
  const render = () => show(slots, inputs[kind.value]());
  kind.addEventListener("change", render);
  const form = el("form", {id: "propose", class: "card"},
    el("h2", {}, "Propose"), field("Action", kind), slots,
    el("p", {class: "form-error", role: "alert"}),
    el("button", {type: "submit"}, "Prepare the proposal"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const action = {kind: kind.value};
    for (const input of slots.querySelectorAll("input, select")) {
      if (input.value === "") continue;
      const path = input.name.split(".").slice(1);
      let target = action;
      for (const part of path.slice(0, -1)) target = target[part] = target[part] || {};
      target[path[path.length - 1]] = input.type === "number" ? Number(input.value) : input.value.trim();
    }
    try {
      const draft = await call("POST", `/ledgers/${encodeURIComponent(member.ledger)}/proposal-drafts`, {token: member.token, body: {action}});
      await confirmProposal(member, key, draft);
    } catch (e) {
      showErrors(form, e);
    }
  });
  render();
  return form;
}

/** Shows what is about to be signed; signs and hands it in on the member's word. */
async function confirmProposal(member, key, draft) {
  const bytes = unbase64(draft.proposal);
  const digest = hex(await sha256(bytes));
  if (digest !== draft.sha256) throw new Error("the manager's hash of the proposal does not match its bytes");
  const sign_ = el("button", {type: "button", id: "sign-proposal"}, "Sign and submit");
  const cancel = el("button", {type: "button", class: "secondary"}, "Cancel");
  const slot = byId("signing");
  show(slot, el("section", {class: "card", id: "to-sign"},
    el("h2", {}, "You are about to sign"),
    el("p", {id: "sign-words"}, `${actionWords(draft.action)} — proposed by ${draft.proposer} for config sequence ${draft.configSequence}`),
    el("p", {}, "SHA-256 of the proposal bytes (its id once signed): ", el("code", {id: "sign-hash"}, digest)),
    el("div", {class: "row"}, sign_, cancel), el("div", {class: "sign-result"})));
  slot.scrollIntoView();
  cancel.addEventListener("click", () => show(slot));
  sign_.addEventListener("click", async () => {
    sign_.disabled = true;
    try {
      const signed = message([[1, "bytes", bytes], [2, "bytes", serializedIdentity(member.mspId, member.certificate)], [3, "bytes", await sign(key, bytes)]]);
      const proposal = await call("POST", `/ledgers/${encodeURIComponent(member.ledger)}/proposals`, {token: member.token, body: {signedProposal: base64(signed)}});
      show(slot, notice("ok", `Proposal ${proposal.id.slice(0, 12)} recorded on the ledger: ${actionWords(proposal.action)}.`));
      await ledger(member, key).then(() => byId("signing").replaceChildren(notice("ok", `Proposal ${proposal.id.slice(0, 12)} recorded on the ledger.`)));
    } catch (e) {
      sign_.disabled = false;
      slot.querySelector(".sign-result").replaceChildren(notice("error", e instanceof ApiFailure ? `${e.code}: ${e.message}` : e.message));
    }
  });
}

async function prepareBallot(member, key, proposal, choice) {
  const slot = byId("signing");
  const inner = bytesField(unbase64(proposal.signedProposal), 1);
  const id = hex(await sha256(inner));
  if (id !== proposal.id) {
    show(slot, notice("error", "The proposal the manager shows does not match its id; nothing was signed."));
    return;
  }
  const castAt = Date.now();
  const bytes = ballotBytes(member.ledger, id, member.mspId, CHOICES[choice], castAt);
  const go = el("button", {type: "button", id: "sign-ballot"}, `Sign my ${choice} ballot`);
  const cancel = el("button", {type: "button", class: "secondary"}, "Cancel");
  show(slot, el("section", {class: "card", id: "to-sign"},
    el("h2", {}, "You are about to sign"),
    el("p", {id: "sign-words"}, `${member.mspId} votes ${choice} on: ${actionWords(proposal.action)} (proposal ${id.slice(0, 12)}, by ${proposal.proposer})`),
    el("p", {}, "SHA-256 of the ballot bytes: ", el("code", {id: "sign-hash"}, hex(await sha256(bytes)))),
    el("div", {class: "row"}, go, cancel), el("div", {class: "sign-result"})));
  slot.scrollIntoView();
  cancel.addEventListener("click", () => show(slot));
  go.addEventListener("click", async () => {
    go.disabled = true;
    try {
      const ballot = message([[1, "string", member.mspId], [2, "varint", CHOICES[choice]], [3, "varint", castAt],
        [4, "bytes", serializedIdentity(member.mspId, member.certificate)], [5, "bytes", await sign(key, bytes)]]);
      const after = await call("POST", `/ledgers/${encodeURIComponent(member.ledger)}/proposals/${id}/ballots`, {token: member.token, body: {ballot: base64(ballot)}});
      await ledger(member, key);
      byId("signing").replaceChildren(notice("ok", `Your ${choice} ballot is recorded; the proposal is ${after.status} (${after.yes ?? 0} yes, ${after.no ?? 0} no of ${after.eligible ?? "?"}).`));
    } catch (e) {
      go.disabled = false;
      slot.querySelector(".sign-result").replaceChildren(notice("error", e instanceof ApiFailure ? `${e.code}: ${e.message}` : e.message));
    }
  });
}

start();
