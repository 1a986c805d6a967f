package io.patchwork.manager.api;

import io.patchwork.manager.ledger.CertificateInventory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Objects;

/** {@code GET /ledgers/{id}/certificates}: the ledger's certificate inventory. */
final class CertificateRoutes {
  private final Vertx vertx;
  private final CertificateInventory inventory;

  CertificateRoutes(Vertx vertx, CertificateInventory inventory) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.inventory = Objects.requireNonNull(inventory, "inventory");
  }

  void list(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    vertx
        .executeBlocking(() -> inventory.list(Authentication.principal(ctx), id), false)
        .onSuccess(
            entries -> {
              JsonArray list = new JsonArray();
              entries.forEach(entry -> list.add(json(entry)));
              ctx.json(new JsonObject().put("certificates", list));
            })
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  static JsonObject json(CertificateInventory.Entry entry) {
    JsonObject json =
        new JsonObject()
            .put("kind", entry.kind())
            .put("serial", entry.serial())
            .put("commonName", entry.commonName())
            .put("organization", entry.organization())
            .put("mspId", entry.mspId())
            .put("profile", entry.profile())
            .put("notBefore", entry.notBefore().toString())
            .put("notAfter", entry.notAfter().toString())
            .put("status", entry.status().name());
    entry.revocationReason().ifPresent(reason -> json.put("revocationReason", reason));
    entry.renewedBy().ifPresent(serial -> json.put("renewedBy", serial));
    return json;
  }
}
