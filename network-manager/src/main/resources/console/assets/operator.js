// The operator's console: sign in with the operator token, watch every ledger live, create one
// from a template, invite its parties, follow proposals, settle a closed ledger, read its
// statement and check its archive.

import {ApiFailure, call, session, watch} from "./api.js";
import {byId, clearErrors, el, field, hex, notice, save, sha256, show, showErrors, when} from "./dom.js";
import {statementView} from "./statement.js";
import {proposalTable, votingWords} from "./words.js";

const main = byId("main");
let token = session.get("operatorToken");
let live = null;

function signOut() {
  session.remove("operatorToken");
  token = null;
  route();
}

function sessionBar() {
  show(byId("session"), token ? [el("span", {}, "Signed in as the operator "), el("button", {class: "secondary", type: "button", id: "sign-out"}, "Sign out")] : "");
  if (token) byId("sign-out").addEventListener("click", signOut);
}

async function api(method, path, options = {}) {
  try {
    return await call(method, path, {...options, token});
  } catch (e) {
    if (e instanceof ApiFailure && e.status === 401) {
      session.remove("operatorToken");
      token = null;
      signIn(notice("error", `Signed out: ${e.code}: ${e.message}`));
    }
    throw e;
  }
}

function signIn(message) {
  sessionBar();
  const input = el("input", {type: "password", name: "token", autocomplete: "off", required: true, placeholder: "pwt_..."});
  const form = el("form", {id: "sign-in", class: "card"},
    el("h1", {}, "Operator sign-in"),
    el("p", {}, "Paste the operator token (the file operator-token in the service's data directory). It stays in this tab only."),
    field("Operator token", input),
    el("button", {type: "submit"}, "Sign in"),
    el("p", {class: "form-error", role: "alert"}));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    try {
      await call("GET", "/ledgers", {token: input.value.trim()});
      token = input.value.trim();
      session.set("operatorToken", token);
      route();
    } catch (e) {
      form.querySelector(".form-error").textContent = e.status === 401
        ? `The token was refused (${e.code}): ${e.message}`
        : `${e.code}: ${e.message}`;
    }
  });
  show(main, message || "", form);
  input.focus();
}

function route() {
  if (live) { live.abort(); live = null; }
  if (!token) { signIn(); return; }
  sessionBar();
  const hash = location.hash.slice(1);
  if (hash === "create") createLedger();
  else if (hash.startsWith("ledger/")) ledger(decodeURIComponent(hash.slice(7)));
  else dashboard();
}

function dashboard() {
  const state = el("span", {class: "live", id: "live-state"}, "connecting…");
  const body = el("tbody", {id: "ledger-rows"});
  show(main,
    el("div", {class: "row"}, el("h1", {}, "Ledgers"), state),
    el("table", {id: "ledgers", "aria-label": "Ledgers"},
      el("thead", {}, el("tr", {},
        ["Ledger", "Template", "Status", "Members", "Orderers", "Peers", "Height", "Raft leader", "Peer lag", "Committed tx/s"]
          .map((h, i) => el("th", {class: i >= 3 && i !== 7 ? "n" : null, scope: "col"}, h)))),
      body),
    el("p", {}, el("a", {href: "#create"}, "Create a ledger")));
  live = new AbortController();
  watch("/events/ledgers", token, (event) => {
    show(body, event.ledgers.length ? event.ledgers.map((l) => el("tr", {"data-ledger": l.id},
      el("td", {}, el("a", {href: `#ledger/${encodeURIComponent(l.id)}`}, l.name)),
      el("td", {}, l.template),
      el("td", {class: `status status-${l.status}`}, l.status, l.failure ? el("div", {class: "hint"}, l.failure) : null),
      el("td", {class: "n"}, l.members ?? l.parties),
      el("td", {class: "n"}, l.orderers ?? ""),
      el("td", {class: "n"}, l.peers ?? ""),
      el("td", {class: "n", "data-height": l.height ?? ""}, l.height ?? ""),
      el("td", {}, l.leader ?? (l.height !== undefined ? "none" : "")),
      el("td", {class: "n"}, l.peerLag ?? ""),
      el("td", {class: "n"}, l.txPerSecond ?? ""))) : el("tr", {}, el("td", {colspan: 10}, "No ledgers yet.")));
    state.textContent = `live · ${new Date().toLocaleTimeString()}`;
    // For measuring: when the dashboard first showed the ledgers (benchmarks/console-paint).
    if (!performance.getEntriesByName("patchwork:dashboard").length) performance.mark("patchwork:dashboard", {detail: {ledgers: event.ledgers.length}});
  }, (s, e) => {
    if (s === "refused") signIn(notice("error", `Signed out: ${e.code}: ${e.message}`));
    else if (s === "reconnecting") state.textContent = "reconnecting…";
  }, live.signal);
}

async function createLedger() {
  const templates = (await call("GET", "/templates")).templates;
  const select = el("select", {name: "template", required: true},
    templates.map((t) => el("option", {value: t.name}, `${t.name} — ${t.description}`)));
  const name = el("input", {name: "name", required: true, placeholder: "trade", autocomplete: "off"});
  const details = el("div", {id: "template-details"});
  const parties = el("div", {id: "parties"});
  const overrides = el("div", {id: "overrides"});
  const form = el("form", {id: "create-ledger", class: "card"},
    el("h1", {}, "New ledger"),
    field("Name", name, "1 to 63 lower-case letters, digits or '-', starting with a letter"),
    field("Template", select), details,
    el("h2", {}, "Parties"), parties,
    el("button", {type: "button", class: "secondary", id: "add-party"}, "Add a party"),
    el("h2", {}, "Template parameters"), el("p", {class: "hint"}, "Leave a parameter empty to keep the template's value."), overrides,
    el("p", {class: "form-error", role: "alert"}),
    el("button", {type: "submit"}, "Create the ledger"));
  let template = null;
  const addParty = () => {
    const i = parties.children.length;
    parties.append(el("div", {class: "row party"},
      field(`Party ${i + 1} organisation`, el("input", {name: `parties[${i}].organization`, placeholder: "Bank A"})),
      field(`Party ${i + 1} MSP id`, el("input", {name: `parties[${i}].mspId`, placeholder: "BankAMSP"}))));
  };
  const load = async () => {
    template = await call("GET", `/templates/${encodeURIComponent(select.value)}`);
    show(details, el("dl", {class: "facts"},
      el("dt", {}, "Parties"), el("dd", {}, `${template.parties.min} to ${template.parties.max}`),
      el("dt", {}, "Topology"), el("dd", {}, `${template.topology.orderers} orderers, ${template.topology.peersPerOrganization} peer(s) per organisation`),
      el("dt", {}, "Endorsement"), el("dd", {}, template.endorsement.rule + (template.endorsement.count ? ` ${template.endorsement.count}` : "")),
      el("dt", {}, "Voting"), el("dd", {}, votingWords(template.voting)),
      el("dt", {}, "Contracts"), el("dd", {}, template.contracts.join(", ")),
      el("dt", {}, "Lifespan"), el("dd", {}, template.lifespan)));
    show(overrides, template.overridable.map((path) => field(path, el("input", {name: `overrides.${path}`, placeholder: String(valueAt(template, path) ?? "")}))));
    while (parties.children.length < template.parties.min) addParty();
  };
  select.addEventListener("change", load);
  form.querySelector("#add-party").addEventListener("click", addParty);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const request = {name: name.value.trim(), template: select.value, parties: [], overrides: {}};
    for (const row of parties.querySelectorAll(".party")) {
      const [organization, mspId] = row.querySelectorAll("input");
      if (organization.value.trim() || mspId.value.trim()) request.parties.push({organization: organization.value.trim(), mspId: mspId.value.trim()});
    }
    for (const input of overrides.querySelectorAll("input")) {
      if (input.value.trim()) request.overrides[input.name.slice("overrides.".length)] = input.value.trim();
    }
    try {
      const created = await api("POST", "/ledgers", {body: request});
      location.hash = `ledger/${encodeURIComponent(created.id)}`;
    } catch (e) {
      showErrors(form, e);
    }
  });
  show(main, form);
  await load();
  name.focus();
}

function valueAt(object, path) {
  return path.split(".").reduce((o, k) => (o === undefined || o === null ? undefined : o[k]), object);
}

async function ledger(id) {
  let view;
  try {
    view = await api("GET", `/ledgers/${encodeURIComponent(id)}`);
  } catch (e) {
    show(main, notice("error", `${e.code}: ${e.message}`), el("a", {href: "#ledgers"}, "Back to the ledgers"));
    return;
  }
  const members = view.members || view.parties;
  const facts = el("dl", {class: "facts"},
    el("dt", {}, "Status"), el("dd", {class: `status status-${view.status}`, id: "ledger-status"}, view.status),
    el("dt", {}, "Template"), el("dd", {}, view.template),
    el("dt", {}, view.members ? "Members" : "Parties"), el("dd", {}, members.map((m) => `${m.organization} (${m.mspId})`).join(", ")),
    view.voting ? [el("dt", {}, "Voting"), el("dd", {}, votingWords(view.voting))] : null,
    view.lifecycle && view.lifecycle.lifespanEndsAt ? [el("dt", {}, "Lifespan ends"), el("dd", {}, when(view.lifecycle.lifespanEndsAt))] : null,
    view.failure ? [el("dt", {}, "Failure"), el("dd", {}, view.failure)] : null);
  const sections = [el("p", {}, el("a", {href: "#ledgers"}, "← Ledgers")), el("h1", {}, `Ledger ${view.name}`), facts];
  if (view.nodes) {
    sections.push(el("h2", {}, "Nodes"), el("table", {"aria-label": "Nodes"},
      el("thead", {}, el("tr", {}, el("th", {}, "Node"), el("th", {}, "Kind"), el("th", {}, "Organisation"), el("th", {}, "Endpoint"), el("th", {class: "n"}, "Height"), el("th", {}, "Leader"))),
      el("tbody", {}, view.nodes.map((n) => el("tr", {}, el("td", {}, n.id), el("td", {}, n.kind), el("td", {}, n.mspId ?? ""), el("td", {class: "mono"}, n.endpoint), el("td", {class: "n"}, n.height ?? ""), el("td", {}, n.leader ? "leader" : ""))))));
  }
  if (view.status === "ACTIVE") sections.push(inviteForm(view, members), el("h2", {}, "Invites"), el("div", {id: "invites"}, "Loading…"));
  sections.push(el("h2", {}, "Proposals"), el("div", {id: "proposals"}, "Loading…"));
  if (view.status === "CLOSING") sections.push(settleForm(view));
  if (view.status === "CLOSED" || view.status === "ARCHIVED") sections.push(el("h2", {}, "Statement"), el("div", {id: "statement-slot"}, "Loading…"));
  if (view.status === "ARCHIVED") sections.push(archiveCard(view));
  show(main, ...sections);
  if (view.status === "ACTIVE") await showInvites(view.id);
  if (view.status === "ACTIVE" || view.status === "CLOSING") {
    try {
      const {proposals} = await api("GET", `/ledgers/${encodeURIComponent(id)}/proposals`);
      show(byId("proposals"), proposalTable(proposals));
    } catch (e) {
      show(byId("proposals"), notice("error", `${e.code}: ${e.message}`));
    }
  } else {
    show(byId("proposals"), "The ledger's nodes are not running; its proposals are in its archive.");
  }
  if (view.status === "CLOSED" || view.status === "ARCHIVED") {
    try {
      show(byId("statement-slot"), statementView(await api("GET", `/ledgers/${encodeURIComponent(id)}/statement`)));
    } catch (e) {
      show(byId("statement-slot"), notice("error", `${e.code}: ${e.message}`));
    }
  }
}

function inviteForm(view, members) {
  const mspId = el("select", {name: "mspId"}, members.map((m) => el("option", {value: m.mspId}, `${m.organization} (${m.mspId})`)));
  const validFor = el("input", {name: "validFor", value: "P7D"});
  const nodes = el("input", {name: "nodes", type: "number", min: 0, max: 10, value: 0});
  const result = el("div", {id: "invite-result"});
  const form = el("form", {id: "invite", class: "card"},
    el("h2", {}, "Invite a party"),
    el("div", {class: "row"}, field("Organisation", mspId), field("Valid for", validFor, "ISO-8601, 1 minute to 30 days"),
      field("Own nodes", nodes, "peers the member may run on its own machine")),
    el("p", {class: "form-error", role: "alert"}),
    el("button", {type: "submit"}, "Make the invite"), result);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    show(result);
    try {
      const invite = await api("POST", `/ledgers/${encodeURIComponent(view.id)}/invites`,
        {body: {mspId: mspId.value, validFor: validFor.value.trim(), nodes: Number(nodes.value || 0)}});
      // The token travels in the fragment: browsers never send it, so no server logs it.
      const link = `${location.origin}/join.html#ledger=${encodeURIComponent(view.id)}&invite=${encodeURIComponent(invite.token)}`;
      show(result, notice("ok",
        el("p", {}, `Invite for ${invite.organization} (${invite.mspId}), valid until ${when(invite.expiresAt)}. This link is shown once: send it to the member over a channel you trust.`),
        el("input", {id: "invite-link", readonly: true, value: link, "aria-label": "Invite link"}),
        el("button", {type: "button", class: "secondary", id: "copy-invite"}, "Copy")));
      byId("copy-invite").addEventListener("click", () => navigator.clipboard.writeText(link));
      await showInvites(view.id);
    } catch (e) {
      showErrors(form, e);
    }
  });
  return form;
}

/** The ledger's invites (never their tokens), newest first; an open one can be cancelled. */
async function showInvites(id) {
  const slot = byId("invites");
  let invites;
  try {
    ({invites} = await api("GET", `/ledgers/${encodeURIComponent(id)}/invites`));
  } catch (e) {
    show(slot, notice("error", `${e.code}: ${e.message}`));
    return;
  }
  if (!invites.length) { show(slot, el("p", {}, "No invites yet.")); return; }
  show(slot, el("table", {"aria-label": "Invites"},
    el("thead", {}, el("tr", {}, ["Organisation", "Status", "Made", "Expires", ""].map((h) => el("th", {scope: "col"}, h)))),
    el("tbody", {}, invites.map((invite) => {
      const cell = el("td", {});
      if (invite.status === "OPEN") {
        const cancel = el("button", {type: "button", class: "secondary", "data-cancel": invite.id, "aria-label": `Cancel the invite for ${invite.organization}`}, "Cancel");
        cancel.addEventListener("click", async () => {
          cancel.disabled = true;
          try {
            await api("DELETE", `/ledgers/${encodeURIComponent(id)}/invites/${encodeURIComponent(invite.id)}`);
            await showInvites(id);
          } catch (e) {
            cancel.disabled = false;
            cell.append(notice("error", `${e.code}: ${e.message}`));
          }
        });
        cell.append(cancel);
      }
      return el("tr", {"data-invite": invite.id},
        el("td", {}, `${invite.organization} (${invite.mspId})`), el("td", {class: "status"}, invite.status),
        el("td", {}, when(invite.createdAt)), el("td", {}, when(invite.expiresAt)), cell);
    }))));
}

function settleForm(view) {
  const out = el("div", {id: "settle-result"});
  const button = el("button", {type: "button", id: "settle", class: "big"}, "Settle and archive");
  button.addEventListener("click", async () => {
    button.disabled = true;
    show(out, notice("info", "Settling: computing the statement, collecting the peers' signatures, archiving…"));
    try {
      await api("POST", `/ledgers/${encodeURIComponent(view.id)}/settle`);
      await ledger(view.id);
    } catch (e) {
      button.disabled = false;
      show(out, notice("error", `${e.code}: ${e.message}`));
    }
  });
  return el("section", {class: "card"}, el("h2", {}, "Settle"),
    el("p", {}, "The members voted to close this ledger. Settling commits the net settlement statement as its last block and archives it."),
    button, out);
}

function archiveCard(view) {
  const out = el("div", {id: "archive-result"});
  const button = el("button", {type: "button", id: "download-archive"}, "Download the archive and check it");
  button.addEventListener("click", async () => {
    button.disabled = true;
    show(out, notice("info", "Downloading and checking…"));
    try {
      const id = encodeURIComponent(view.id);
      const bytes = await api("GET", `/ledgers/${id}/archive`, {bytes: true});
      save(bytes, `${view.id}.archive`, "application/zip");
      const check = await api("GET", `/ledgers/${id}/archive/verification`);
      const downloaded = hex(await sha256(bytes));
      const same = downloaded === check.sha256;
      show(out, notice(check.verified && same ? "ok" : "error",
        el("p", {id: "archive-verdict"}, check.verified
          ? `Verified offline: ledger ${check.ledger}, ${check.blocks} blocks — every hash, signature, decision and the settlement arithmetic check.`
          : `The archive does NOT verify: ${check.problem}`),
        el("p", {}, same ? `The downloaded file (${bytes.length} bytes, SHA-256 ${downloaded}) is the file checked.`
          : `The downloaded file's SHA-256 ${downloaded} differs from the checked file's ${check.sha256}.`),
        el("p", {class: "hint"}, "Check it yourself: patchwork node verify-archive --archive FILE")));
    } catch (e) {
      show(out, notice("error", `${e.code}: ${e.message}`));
    } finally {
      button.disabled = false;
    }
  });
  return el("section", {class: "card"}, el("h2", {}, "Archive"), button, out);
}

window.addEventListener("hashchange", route);
route();
