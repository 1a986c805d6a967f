package io.patchwork.manager.api;

import io.patchwork.manager.access.Principal;
import io.patchwork.manager.ledger.LedgerRecord;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.node.host.LocalLedger;
import io.patchwork.node.order.OrdererNode;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.templates.TemplateError;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code /ledgers}: create a ledger from a template for a list of parties, list them, show one with
 * its nodes. Database and provisioning work runs on worker threads.
 */
final class LedgerRoutes {
  private final Vertx vertx;
  private final LedgerService service;
  private final io.patchwork.manager.ledger.Settlement settlement;

  LedgerRoutes(
      Vertx vertx, LedgerService service, io.patchwork.manager.ledger.Settlement settlement) {
    this.settlement = settlement;
    this.vertx = vertx;
    this.service = service;
  }

  void create(RoutingContext ctx) {
    if (!Authentication.principal(ctx).isOperator()) {
      ApiVerticle.error(ctx, 403, "FORBIDDEN", "only the operator creates ledgers");
      return;
    }
    LedgerService.Request request;
    try {
      request = request(ctx.body().asJsonObject());
    } catch (DecodeException | ClassCastException | NullPointerException e) {
      ApiVerticle.error(
          ctx,
          400,
          "MALFORMED_REQUEST",
          "expected a JSON object {name, template, parties: [{organization, mspId}], overrides}");
      return;
    }
    vertx
        .executeBlocking(() -> service.accept(request))
        .onSuccess(record -> provisionAndAnswer(ctx, record, json(record, Optional.empty())))
        .onFailure(
            failure -> {
              if (failure instanceof LedgerService.RequestException refused) {
                refuse(ctx, refused);
              } else {
                ctx.fail(failure);
              }
            });
  }

  /** Answers 201 with the accepted ledger and builds it in the background. */
  private void provisionAndAnswer(RoutingContext ctx, LedgerRecord record, JsonObject body) {
    // Provisioning takes seconds: the client watches the status go to ACTIVE.
    vertx.executeBlocking(
        () -> {
          service.provision(record);
          return null;
        },
        false);
    ctx.response()
        .setStatusCode(201)
        .putHeader("location", "/ledgers/" + record.id())
        .putHeader("content-type", "application/json")
        .end(body.encode());
  }

  void list(RoutingContext ctx) {
    Principal caller = Authentication.principal(ctx);
    vertx
        .executeBlocking(() -> service.registry().list())
        .onSuccess(
            ledgers -> {
              JsonArray list = new JsonArray();
              ledgers.stream()
                  .filter(record -> caller.maySee(record.id()))
                  .forEach(record -> list.add(json(record, Optional.empty())));
              ctx.json(new JsonObject().put("ledgers", list));
            })
        .onFailure(ctx::fail);
  }

  void show(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    vertx
        .executeBlocking(() -> service.registry().get(id))
        .onSuccess(
            record -> {
              if (record.isEmpty()) {
                ApiVerticle.error(ctx, 404, "LEDGER_NOT_FOUND", "no ledger '" + id + "'");
              } else {
                ctx.json(json(record.get(), service.running(id)));
              }
            })
        .onFailure(ctx::fail);
  }

  /**
   * {@code POST /ledgers/{id}/peers}: a hosted peer for a member that runs none here. A member
   * admin asks for its own organisation; the operator names one ({@code {"mspId": ...}}).
   */
  void hostPeer(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    Principal caller = Authentication.principal(ctx);
    String mspId;
    if (caller.isOperator()) {
      JsonObject body;
      try {
        body = ctx.body().asJsonObject();
      } catch (DecodeException e) {
        body = null;
      }
      mspId = body == null ? null : body.getString("mspId");
      if (mspId == null) {
        ApiVerticle.error(
            ctx, 400, "MALFORMED_REQUEST", "the operator names the member: {\"mspId\": ...}");
        return;
      }
    } else if (caller.maySee(id)) {
      mspId = caller.mspId().orElseThrow();
    } else {
      ApiVerticle.error(ctx, 403, "FORBIDDEN", "the caller is not a member of ledger " + id);
      return;
    }
    vertx
        .executeBlocking(() -> service.hostPeer(id, mspId))
        .onSuccess(
            peer ->
                ctx.response()
                    .setStatusCode(201)
                    .putHeader("content-type", "application/json")
                    .end(peerJson(peer).encode()))
        .onFailure(
            failure -> {
              if (failure instanceof io.patchwork.manager.ledger.Refusal refused) {
                ApiVerticle.error(ctx, refused.status(), refused.code(), refused.getMessage());
              } else {
                ctx.fail(failure);
              }
            });
  }

  /** {@code GET /ledgers/{id}/genesis}: the genesis block, for a member's own node. */
  void genesis(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    vertx
        .executeBlocking(() -> service.genesis(id))
        .onSuccess(
            block ->
                ctx.response()
                    .putHeader("content-type", "application/octet-stream")
                    .putHeader("content-disposition", "attachment; filename=\"genesis.block\"")
                    .end(io.vertx.core.buffer.Buffer.buffer(block.toByteArray())))
        .onFailure(failure -> peerFailure(ctx, failure));
  }

  /**
   * {@code GET /ledgers/{id}/snapshot}: a state snapshot taken now from the peer furthest ahead,
   * for a member's own peer to start from instead of replaying every block.
   */
  void snapshot(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    vertx
        .executeBlocking(() -> service.exportSnapshot(id))
        .onSuccess(
            file ->
                ctx.response()
                    .putHeader("content-type", "application/octet-stream")
                    .putHeader(
                        "content-disposition", "attachment; filename=\"" + id + ".snapshot\"")
                    .sendFile(file.toString())
                    .onComplete(
                        sent ->
                            vertx.executeBlocking(
                                () -> {
                                  service.discard(file);
                                  return null;
                                })))
        .onFailure(failure -> peerFailure(ctx, failure));
  }

  private static void peerFailure(RoutingContext ctx, Throwable failure) {
    if (failure instanceof io.patchwork.manager.ledger.Refusal refused) {
      ApiVerticle.error(ctx, refused.status(), refused.code(), refused.getMessage());
    } else {
      ctx.fail(failure);
    }
  }

  /** A peer as the API shows it. */
  static JsonObject peerJson(PeerNode peer) {
    return new JsonObject()
        .put("id", peer.nodeId())
        .put("kind", "peer")
        .put("mspId", peer.mspId())
        .put("endpoint", peer.host() + ":" + peer.port())
        .put("height", peer.ledger().height());
  }

  private static LedgerService.Request request(JsonObject body) {
    List<LedgerRecord.Party> parties = new ArrayList<>();
    JsonArray list = body.getJsonArray("parties", new JsonArray());
    for (int i = 0; i < list.size(); i++) {
      JsonObject party = list.getJsonObject(i);
      parties.add(
          new LedgerRecord.Party(
              party.getString("organization", ""), party.getString("mspId", "")));
    }
    Map<String, String> overrides = new LinkedHashMap<>();
    body.getJsonObject("overrides", new JsonObject())
        .forEach(entry -> overrides.put(entry.getKey(), String.valueOf(entry.getValue())));
    return new LedgerService.Request(
        body.getString("name"), body.getString("template"), parties, overrides);
  }

  private static void refuse(RoutingContext ctx, LedgerService.RequestException refused) {
    int status = refused.code().equals("DUPLICATE_NAME") ? 409 : 400;
    JsonArray errors = new JsonArray();
    for (TemplateError error : refused.errors()) {
      errors.add(new JsonObject().put("path", error.path()).put("message", error.message()));
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("content-type", "application/json")
        .end(
            new JsonObject()
                .put("code", refused.code())
                .put(
                    "message",
                    refused.errors().isEmpty()
                        ? refused.code()
                        : refused.errors().get(0).toString())
                .put("errors", errors)
                .encode());
  }

  private static JsonObject json(LedgerRecord record, Optional<LocalLedger> running) {
    JsonArray parties = new JsonArray();
    record
        .parties()
        .forEach(
            party ->
                parties.add(
                    new JsonObject()
                        .put("organization", party.organization())
                        .put("mspId", party.mspId())));
    JsonObject json =
        new JsonObject()
            .put("id", record.id())
            .put("name", record.name())
            .put("template", record.template())
            .put("status", record.status().name())
            .put("parties", parties)
            .put("overrides", new JsonObject(new LinkedHashMap<String, Object>(record.overrides())))
            .put("createdAt", record.createdAt().toString())
            .put("updatedAt", record.updatedAt().toString());
    record.failure().ifPresent(failure -> json.put("failure", failure));
    running.ifPresent(
        ledger -> {
          json.put("nodes", nodes(ledger));
          // Proposals name the config sequence they amend.
          if (!ledger.peers().isEmpty()) {
            json.put("configSequence", ledger.furthestPeer().ledger().rules().sequence());
          }
          if (ledger.config().hasOpening()) {
            json.put("predecessor", predecessor(ledger.config().getOpening()));
          }
        });
    return json;
  }

  /** A successor's link to the statement its predecessor closed with, and what it carried. */
  static JsonObject predecessor(io.patchwork.node.config.proto.Opening opening) {
    return new JsonObject()
        .put("ledger", opening.getPredecessorLedgerId())
        .put(
            "statementSha256",
            java.util.HexFormat.of()
                .formatHex(opening.getPredecessorStatementSha256().toByteArray()))
        .put("finalHeight", opening.getPredecessorFinalHeight())
        .put("openingObligations", opening.getObligationsCount())
        .put("openingBalances", opening.getTokenBalancesCount());
  }

  /**
   * {@code POST /ledgers/{id}/successor} {@code {"name": ...}}: the operator starts a new ledger
   * that carries an archived one on (its template, its members at close, its closing positions and
   * balances); 201 as for a created ledger, then PROVISIONING to ACTIVE.
   */
  void successor(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Authentication.principal(ctx).isOperator()) {
      ApiVerticle.error(ctx, 403, "FORBIDDEN", "only the operator creates ledgers");
      return;
    }
    String name;
    try {
      name = ctx.body().asJsonObject().getString("name");
      if (name == null) {
        throw new NullPointerException();
      }
    } catch (DecodeException | ClassCastException | NullPointerException e) {
      ApiVerticle.error(
          ctx, 400, "MALFORMED_REQUEST", "expected a JSON object {name}: the successor's name");
      return;
    }
    vertx
        .executeBlocking(() -> settlement.successor(id, name))
        .onSuccess(
            successor ->
                provisionAndAnswer(
                    ctx,
                    successor.record(),
                    json(successor.record(), Optional.empty())
                        .put("predecessor", predecessor(successor.opening()))))
        .onFailure(
            failure -> {
              if (failure instanceof LedgerService.RequestException refused) {
                refuse(ctx, refused);
              } else {
                ApiVerticle.fail(ctx, failure);
              }
            });
  }

  private static JsonArray nodes(LocalLedger ledger) {
    JsonArray nodes = new JsonArray();
    for (OrdererNode orderer : ledger.orderers()) {
      nodes.add(
          new JsonObject()
              .put("id", orderer.nodeId())
              .put("kind", "orderer")
              .put("height", orderer.blocks().height())
              .put("leader", orderer.isLeader()));
    }
    for (PeerNode peer : ledger.peers()) {
      nodes.add(
          new JsonObject()
              .put("id", peer.nodeId())
              .put("kind", "peer")
              .put("mspId", peer.mspId())
              .put("height", peer.ledger().height()));
    }
    return nodes;
  }
}
