package io.patchwork.manager.api;

import io.patchwork.templates.LedgerTemplate;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.TreeSet;

/** A template as the API shows it: the same field names and paths as the YAML. */
final class TemplateJson {
  private TemplateJson() {}

  static JsonObject of(LedgerTemplate t) {
    JsonObject endorsement = new JsonObject().put("rule", t.endorsement().rule().name());
    if (t.endorsement().rule() == LedgerTemplate.Endorsement.Rule.AT_LEAST) {
      endorsement.put("count", t.endorsement().count());
    }
    return new JsonObject()
        .put("name", t.name())
        .put("description", t.description())
        .put(
            "parties", new JsonObject().put("min", t.parties().min()).put("max", t.parties().max()))
        .put(
            "topology",
            new JsonObject()
                .put("orderers", t.topology().orderers())
                .put("peersPerOrganization", t.topology().peersPerOrganization()))
        .put("endorsement", endorsement)
        .put(
            "voting",
            new JsonObject()
                .put("thresholdPercent", t.voting().thresholdPercent())
                .put("comparator", t.voting().comparator().name())
                .put("quorumPercent", t.voting().quorumPercent())
                .put("duration", t.voting().duration().toString()))
        .put(
            "blockCutting",
            new JsonObject()
                .put("maxTransactions", t.blockCutting().maxTransactions())
                .put("maxBytes", t.blockCutting().maxBytes())
                .put("timeout", t.blockCutting().timeout().toString()))
        .put(
            "commitStatus",
            new JsonObject()
                .put("scope", t.commitStatus().scope().name())
                .put("timeout", t.commitStatus().timeout().toString()))
        .put("contracts", new JsonArray(t.contracts()))
        .put("lifespan", t.lifespan().toString())
        .put("upgradeWindow", t.upgradeWindow().toString())
        .put("settlementAsset", t.settlementAsset())
        .put("overridable", new JsonArray(new ArrayList<>(new TreeSet<>(t.overridable()))));
  }
}
