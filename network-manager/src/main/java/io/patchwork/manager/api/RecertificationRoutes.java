package io.patchwork.manager.api;

import io.patchwork.manager.access.Principal;
import io.patchwork.manager.error.ApiError;
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
              requests.forEach(request -> array.add(requestJson(request)));
              ctx.json(new JsonObject().put("requests", array));
            })
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  /** A certificate request as the API shows it. */
  static JsonObject requestJson(Recertification.Request request) {
    return new JsonObject()
        .put("node", request.nodeId())
        .put("mspId", request.mspId())
        .put("organization", request.organization())
        .put("role", "PEER")
        .put("profile", request.profile().name())
        .put("dnsNames", new JsonArray(request.dnsNames()))
        .put("ipAddresses", new JsonArray(request.ipAddresses()))
        .put("csr", request.csr());
  }

  /**
   * {@code POST /ledgers/{id}/peers}: a hosted peer for a member that runs none here — 201 with the
   * peer, or once the members replaced the manager's authority 202 with its certificate requests. A
   * member admin asks for its own organisation; the operator names one ({@code {"mspId": ...}}).
   */
  void hostPeer(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    Principal caller = Authentication.principal(ctx);
    String mspId;
    if (caller.isOperator()) {
      try {
        mspId = JsonBody.of(ctx).string("mspId");
      } catch (Refusal refused) {
        ApiVerticle.refuse(ctx, refused);
        return;
      }
    } else if (caller.maySee(id)) {
      mspId = caller.mspId().orElseThrow();
    } else {
      ApiVerticle.error(ctx, ApiError.FORBIDDEN, "the caller is not a member of ledger " + id);
      return;
    }
    vertx
        .executeBlocking(() -> recertification.hostPeer(id, mspId), false)
        .onSuccess(
            hosting -> {
              if (hosting.started().isPresent()) {
                ctx.response()
                    .setStatusCode(201)
                    .putHeader("content-type", "application/json")
                    .end(LedgerRoutes.peerJson(hosting.started().get()).encode());
                return;
              }
              JsonArray requests = new JsonArray();
              hosting.requests().forEach(request -> requests.add(requestJson(request)));
              ctx.response()
                  .setStatusCode(202)
                  .putHeader("content-type", "application/json")
                  .end(
                      new JsonObject()
                          .put("status", "AWAITING_CERTIFICATES")
                          .put("node", hosting.nodeId())
                          .put("mspId", hosting.mspId())
                          .put("requests", requests)
                          .encode());
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
                        .put("signingSerial", peer.signingSerial())
                        .put("started", peer.started()));
              }
              ctx.json(new JsonObject().put("recertified", array));
            })
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }
}
