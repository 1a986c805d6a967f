package io.patchwork.manager.api;

import io.patchwork.manager.error.Refusal;
import io.patchwork.manager.ledger.Recertification;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;

/**
 * {@code /ledgers/{id}/recertification}: after the members replaced the manager's authority, the
 * certificate requests of the peers the manager runs for them, and the certificates that answer
 * them. Any member of the ledger (or the operator) may read and answer: only certificates of the
 * authority the members chose are taken.
 */
final class RecertificationRoutes {
  private final Vertx vertx;
  private final Recertification recertification;

  RecertificationRoutes(Vertx vertx, Recertification recertification) {
    this.vertx = vertx;
    this.recertification = recertification;
  }

  void requests(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    vertx
        .executeBlocking(() -> recertification.requests(id), false)
        .onSuccess(
            requests -> {
              JsonArray array = new JsonArray();
              for (Recertification.Request request : requests) {
                array.add(
                    new JsonObject()
                        .put("node", request.nodeId())
                        .put("mspId", request.mspId())
                        .put("organization", request.organization())
                        .put("role", "PEER")
                        .put("profile", request.profile().name())
                        .put("dnsNames", new JsonArray(request.dnsNames()))
                        .put("ipAddresses", new JsonArray(request.ipAddresses()))
                        .put("csr", request.csr()));
              }
              ctx.json(new JsonObject().put("requests", array));
            })
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  void install(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    List<String> pems;
    try {
      // How many is the service's to judge (TOO_MANY_CERTIFICATES); each must be a string.
      pems = JsonBody.of(ctx).strings("certificates", 0, Integer.MAX_VALUE);
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    }
    vertx
        .executeBlocking(() -> recertification.install(id, pems), false)
        .onSuccess(
            done -> {
              JsonArray array = new JsonArray();
              for (Recertification.Recertified peer : done) {
                array.add(
                    new JsonObject()
                        .put("node", peer.nodeId())
                        .put("mspId", peer.mspId())
                        .put("signingSerial", peer.signingSerial()));
              }
              ctx.json(new JsonObject().put("recertified", array));
            })
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }
}
