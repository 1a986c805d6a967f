// Building pages without HTML strings: every value becomes a text node, so a ledger, organisation
// or contract value that holds markup shows as the characters it is and never runs.

const SAFE_ATTRIBUTES = /^(id|class|href|download|type|name|value|placeholder|min|max|step|for|role|title|disabled|checked|selected|required|readonly|autocomplete|hidden|tabindex|colspan|scope|width|height|viewBox|x|y|x1|x2|y1|y2|rx|fill|stroke|stroke-width|d|text-anchor|dominant-baseline|font-size|transform|accept|multiple|aria-[a-z]+|data-[a-z-]+)$/;

const SVG = "http://www.w3.org/2000/svg";

function build(node, attributes, children) {
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (!SAFE_ATTRIBUTES.test(name)) throw new Error(`attribute ${name} is not allowed`);
    if (name === "href" && !/^(#|\/|blob:|https?:)/.test(String(value))) {
      throw new Error("links go to this site, a blob or http(s)");
    }
    node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** An HTML element: el("td", {class: "n"}, "text", otherNode). */
export function el(tag, attributes, ...children) {
  return build(document.createElement(tag), attributes, children);
}

/** An SVG element, for charts. */
export function svg(tag, attributes, ...children) {
  return build(document.createElementNS(SVG, tag), attributes, children);
}

/** Replaces a node's children. */
export function show(node, ...children) {
  node.replaceChildren();
  build(node, {}, children);
  return node;
}

export function byId(id) {
  const node = document.getElementById(id);
  if (!node) throw new Error(`the page has no #${id}`);
  return node;
}

/** A labelled form field; the label names the control for screen readers and clicks. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 10)}`;
  control.id = id;
  const error = el("span", {class: "field-error", id: `${id}-error`, role: "alert"});
  control.setAttribute("aria-describedby", `${id}-error`);
  return el("div", {class: "field", "data-field": control.name || ""},
    el("label", {for: id}, label), control, hint ? el("span", {class: "hint"}, hint) : null, error);
}

/** Shows a refusal at the fields it names ("errors": [{path, message}]) and in the form. */
export function showErrors(form, failure) {
  for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
  const summary = form.querySelector(".form-error");
  const unplaced = [];
  for (const problem of failure.errors || []) {
    const control = form.querySelector(`[name="${CSS.escape(problem.path)}"]`);
    const slot = control && document.getElementById(`${control.id}-error`);
    if (slot) slot.textContent = problem.message;
    else unplaced.push(`${problem.path}: ${problem.message}`);
  }
  if (summary) {
    summary.textContent = failure.errors && failure.errors.length && !unplaced.length
      ? `${failure.code}: see the fields marked`
      : [failure.code ? `${failure.code}: ${failure.message}` : failure.message, ...unplaced].join(" — ");
  }
}

export function clearErrors(form) {
  for (const node of form.querySelectorAll(".field-error, .form-error")) node.textContent = "";
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

/** A message box: kind is "info", "ok" or "error". */
export function notice(kind, ...children) {
  return el("div", {class: `notice ${kind}`, role: kind === "error" ? "alert" : "status"}, ...children);
}

export function hex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function base64(bytes) {
  let text = "";
  for (const b of new Uint8Array(bytes)) text += String.fromCharCode(b);
  return btoa(text);
}

export function unbase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

/** Offers bytes to save under a name, as a link click would. */
export function save(bytes, name, type) {
  const url = URL.createObjectURL(new Blob([bytes], {type: type || "application/octet-stream"}));
  const link = el("a", {href: url, download: name, hidden: true});
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
