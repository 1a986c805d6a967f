// The invited member's page: the invite link (its token in the fragment, which no server sees)
// shows the ledger it is for; the member's keys are made here and never leave the browser but in
// the zip it saves; redemption sends only certificate requests; then one button runs its node.

import {ApiFailure, call, session} from "./api.js";
import {byId, el, notice, save, show, when} from "./dom.js";
import {credentialsZip, issued} from "./credentials.js";
import {certificateRequest, importSigningKey, keepAdminKey, newKeyPair, privateKeyPem} from "./keys.js";
import {votingWords} from "./words.js";

const main = byId("main");

const REFUSED = {
  INVITE_EXPIRED: "This invite has expired. Ask the ledger's operator for a new one.",
  INVITE_ALREADY_REDEEMED: "This invite has been used already: each invite joins once. If that was not you, tell the operator.",
  INVITE_CANCELLED: "This invite was cancelled by whoever made it.",
  INVITE_NOT_FOUND: "This link holds no valid invite. Check that the whole link was copied.",
  INVITE_WRONG_LEDGER: "This invite is for another ledger than the link names.",
  LEDGER_NOT_ACTIVE: "The ledger does not take new members now.",
  LEDGER_NOT_FOUND: "The ledger this invite names does not exist.",
  AUTHORITY_REPLACED: "The members replaced this manager's authority: their own authority enrols new members.",
};

function refusal(e) {
  return notice("error", el("strong", {}, REFUSED[e.code] || "The invite was refused."), el("p", {class: "mono"}, `${e.code}: ${e.message}`), el("p", {}, "Nothing was changed."));
}

function readLink() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const link = {ledger: fragment.get("ledger"), token: fragment.get("invite")};
  if (link.ledger && link.token) {
    session.set("invite", link);
    history.replaceState(null, "", location.pathname); // the token leaves the address bar and history
    return link;
  }
  return session.get("invite");
}

function quote(text) {
  return `'${String(text).replaceAll("'", "'\\''")}'`;
}

async function start() {
  const link = readLink();
  if (!link) {
    show(main, el("h1", {}, "Join a ledger"), notice("info", "Open the invite link the ledger's operator sent you."));
    return;
  }
  let preview;
  try {
    preview = await call("POST", `/ledgers/${encodeURIComponent(link.ledger)}/invites/preview`, {body: {token: link.token}});
  } catch (e) {
    session.remove("invite");
    show(main, el("h1", {}, "Join a ledger"), refusal(e));
    return;
  }
  const {ledger, invite} = preview;
  const joinButton = el("button", {type: "button", class: "big", id: "join"}, "Make my keys and join");
  const progress = el("div", {id: "join-progress", "aria-live": "polite"});
  const own = el("details", {id: "own-machine"}, el("summary", {}, "Or run the node on my own machine"),
    invite.nodes > 0
      ? [el("p", {}, "One command on your machine makes your keys there, joins and runs your peer (use it instead of the button, not after it: the invite joins once):"),
        el("pre", {class: "command", id: "own-command"},
          `./patchwork join ${ledger.id} --url ${location.origin} --invite ${link.token} \\\n    --organization ${quote(invite.organization)} --msp-id ${invite.mspId} --out ${invite.mspId.toLowerCase()} \\\n    --run-peer --advertise <this machine's address>`),
        el("p", {class: "hint"}, "Over HTTPS add --ca-file or --fingerprint (the service prints its certificate's fingerprint at start).")]
      : el("p", {}, "This invite lets you run no node of your own (it was made with 0 own nodes); ask the operator for one with own nodes, or run your node here."));
  show(main,
    el("h1", {}, `You are invited to join ${ledger.name}`),
    el("section", {class: "card", id: "invite-facts"},
      el("dl", {class: "facts"},
        el("dt", {}, "For"), el("dd", {id: "invite-organization"}, `${invite.organization} (${invite.mspId})`),
        el("dt", {}, "Ledger"), el("dd", {}, `${ledger.name} (${ledger.id})`),
        el("dt", {}, "Template"), el("dd", {}, ledger.template),
        el("dt", {}, "Members"), el("dd", {id: "invite-members"}, ledger.members.map((m) => `${m.organization} (${m.mspId})`).join(", ")),
        el("dt", {}, "Voting rules"), el("dd", {}, votingWords(ledger.voting)),
        ledger.lifecycle && ledger.lifecycle.lifespanEndsAt ? [el("dt", {}, "Lifespan"), el("dd", {}, `until ${when(ledger.lifecycle.lifespanEndsAt)}`)] : null,
        el("dt", {}, "Invite expires"), el("dd", {}, when(invite.expiresAt)))),
    el("p", {}, "Your keys are made in this browser. Only certificate requests are sent; you save the keys yourself."),
    joinButton, progress, own);
  joinButton.addEventListener("click", () => join(link, invite, joinButton, progress));
}

async function join(link, invite, button, progress) {
  button.disabled = true;
  const step = (text) => progress.append(el("p", {}, text));
  show(progress);
  try {
    step("Making three P-256 key pairs (admin, application, application TLS)…");
    const admin = await newKeyPair();
    const client = await newKeyPair();
    const clientTls = await newKeyPair();
    const subject = {mspId: invite.mspId, organization: invite.organization};
    const csrs = [
      {profile: "SIGNING", pem: await certificateRequest(admin, {...subject, role: "admin", commonName: "admin"})},
      {profile: "SIGNING", pem: await certificateRequest(client, {...subject, role: "client", commonName: "app"})},
      {profile: "TLS", pem: await certificateRequest(clientTls, {...subject, role: "client", commonName: "app", dnsNames: ["localhost"]})},
    ];
    step("Sending the certificate requests…");
    const redeemed = await call("POST", `/ledgers/${encodeURIComponent(link.ledger)}/invites/redeem`, {body: {token: link.token, csrs}});
    session.remove("invite");
    const keys = {admin: await privateKeyPem(admin.privateKey), client: await privateKeyPem(client.privateKey), clientTls: await privateKeyPem(clientTls.privateKey)};
    const archive = credentialsZip(redeemed, keys);
    await keepAdminKey(redeemed.ledger, redeemed.mspId, await importSigningKey(keys.admin));
    session.set("member", {ledger: redeemed.ledger, mspId: redeemed.mspId, organization: invite.organization, token: redeemed.apiToken, certificate: issued(redeemed, "ADMIN", "SIGNING")});
    const download = el("button", {type: "button", id: "download-credentials"}, "Download my credentials (zip)");
    download.addEventListener("click", async () => save(new Uint8Array(await archive.arrayBuffer()), `${redeemed.mspId.toLowerCase()}-${redeemed.ledger}.zip`, "application/zip"));
    show(progress,
      notice("ok", el("p", {id: "joined"}, `Joined ${redeemed.ledger} as ${redeemed.mspId}.`),
        el("p", {}, "Save your credentials now: the zip holds your keys (admin, application, TLS), your MSP folders, the connection profile and your API token. They are not kept anywhere else but this browser's tab."),
        download),
      el("section", {class: "card", id: "node"}, el("h2", {}, "Your node"), el("div", {id: "node-state"}, "Looking…")),
      el("p", {}, el("a", {href: "/member.html", id: "to-member"}, "Go to the member admin page"), " to propose and vote."));
    await nodeState(redeemed.ledger, redeemed.mspId, redeemed.apiToken);
  } catch (e) {
    button.disabled = false;
    show(progress, e instanceof ApiFailure ? refusal(e) : notice("error", `Joining failed in the browser: ${e.message}`));
  }
}

async function nodeState(ledger, mspId, token) {
  const slot = byId("node-state");
  const view = await call("GET", `/ledgers/${encodeURIComponent(ledger)}`, {token});
  const mine = (view.nodes || []).find((n) => n.kind === "peer" && n.mspId === mspId);
  if (mine) { follow(ledger, mspId, token); return; }
  const run = el("button", {type: "button", class: "big", id: "run-node"}, "Run my node");
  show(slot, el("p", {}, "No peer runs for you yet. The manager can run one for you: it starts from a snapshot of the ledger and catches up."), run);
  run.addEventListener("click", async () => {
    run.disabled = true;
    try {
      const response = await call("POST", `/ledgers/${encodeURIComponent(ledger)}/peers`, {token, body: {}});
      if (response.status === "AWAITING_CERTIFICATES") {
        show(slot, notice("info", `Peer ${response.node} waits for the members' authority to certify it (patchwork authority recertify).`));
        return;
      }
      follow(ledger, mspId, token);
    } catch (e) {
      run.disabled = false;
      slot.append(notice("error", `${e.code}: ${e.message}`));
    }
  });
}

function follow(ledger, mspId, token) {
  const slot = byId("node-state");
  const bar = el("progress", {id: "sync", max: 1, value: 0, "aria-label": "Blocks in sync"});
  const words = el("p", {id: "sync-words", "aria-live": "polite"}, "Starting…");
  show(slot, bar, words);
  const tick = async () => {
    try {
      const view = await call("GET", `/ledgers/${encodeURIComponent(ledger)}`, {token});
      const mine = (view.nodes || []).find((n) => n.kind === "peer" && n.mspId === mspId);
      const target = Math.max(0, ...(view.nodes || []).map((n) => n.height || 0));
      if (mine) {
        bar.max = Math.max(target, 1);
        bar.value = mine.height;
        if (mine.height >= target && target > 0) {
          words.textContent = `In sync: peer ${mine.id} at ${mine.endpoint} holds all ${mine.height} blocks.`;
          words.setAttribute("data-state", "in-sync");
        } else {
          words.textContent = `Catching up: ${mine.height} of ${target} blocks.`;
        }
      }
    } catch (e) {
      words.textContent = `${e.code}: ${e.message}`;
    }
    if (words.getAttribute("data-state") !== "in-sync") setTimeout(tick, 1000);
  };
  tick();
}

start();
