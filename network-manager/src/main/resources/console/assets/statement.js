// A settlement statement as a table and a chart: each member's net position per asset (bars right
// of the axis are owed to it, left of it owed by it), the transfers that settle them and the
// netting ratio (gross obligations over what the transfers move).

import {el, svg} from "./dom.js";

function positionsChart(asset) {
  const positions = asset.positions.map((p) => ({mspId: p.mspId, amount: Number(p.amount)}));
  const widest = Math.max(1, ...positions.map((p) => Math.abs(p.amount)));
  const row = 26;
  const labelWidth = 150;
  const half = 220;
  const width = labelWidth + 2 * half + 90;
  const height = Math.max(1, positions.length) * row + 24;
  const centre = labelWidth + half;
  const chart = svg("svg", {class: "chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
    "aria-label": `Net positions in ${asset.asset}`});
  chart.append(svg("title", {}, `Net positions in ${asset.asset}`));
  positions.forEach((p, i) => {
    const y = 8 + i * row;
    const length = Math.round((Math.abs(p.amount) / widest) * half);
    chart.append(
      svg("text", {x: labelWidth - 8, y: y + 13, "text-anchor": "end"}, p.mspId),
      svg("rect", {class: p.amount < 0 ? "neg" : "pos", x: p.amount < 0 ? centre - length : centre, y, width: Math.max(length, 1), height: row - 8, rx: 2}),
      svg("text", {x: p.amount < 0 ? centre + 6 : centre + length + 6, y: y + 13}, asset.positions[i].amount));
  });
  chart.append(svg("line", {class: "axis", x1: centre, x2: centre, y1: 2, y2: height - 14, "stroke-width": 1}));
  return chart;
}

export function statementView(statement) {
  const parts = [
    el("dl", {class: "facts"},
      el("dt", {}, "Final block"), el("dd", {}, String(statement.finalHeight)),
      el("dt", {}, "Final block hash"), el("dd", {class: "mono"}, statement.finalBlockHash),
      el("dt", {}, "State hash"), el("dd", {class: "mono"}, statement.stateHash),
      statement.signatures !== undefined ? [el("dt", {}, "Signed by"), el("dd", {}, `${statement.signatures} peers`)] : null),
  ];
  for (const asset of statement.assets) {
    parts.push(
      el("h3", {}, `${asset.asset}: netting ratio ${asset.nettingRatio ?? "— (nothing to move)"}`),
      el("p", {}, `Gross obligations ${asset.gross}, moved by the transfers ${asset.moved}`,
        asset.fewestTransfersProven ? "; fewest transfers proven" : ""),
      el("figure", {}, positionsChart(asset), el("figcaption", {class: "hint"}, "Net position per member: right of the line it receives, left of it it pays.")),
      el("table", {"aria-label": `Positions in ${asset.asset}`},
        el("thead", {}, el("tr", {}, el("th", {}, "Member"), el("th", {class: "n"}, "Net position"))),
        el("tbody", {}, asset.positions.map((p) => el("tr", {}, el("td", {}, p.mspId), el("td", {class: "n"}, p.amount))))),
      el("h3", {}, `Transfers (${asset.transfers.length})`),
      el("table", {"aria-label": `Transfers in ${asset.asset}`},
        el("thead", {}, el("tr", {}, el("th", {}, "From"), el("th", {}, "To"), el("th", {class: "n"}, "Amount"))),
        el("tbody", {}, asset.transfers.map((t) => el("tr", {}, el("td", {}, t.from), el("td", {}, t.to), el("td", {class: "n"}, t.amount))))));
  }
  if (!statement.assets.length) parts.push(el("p", {}, "No obligations were accepted: nothing to settle."));
  return el("div", {id: "statement"}, ...parts);
}
