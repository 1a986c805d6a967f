package io.patchwork.manager.api;

import io.patchwork.governance.VotingPolicy;
import io.patchwork.manager.access.Principal;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.manager.ledger.LedgerRecord;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.manager.ledger.MemberInvites;
import io.patchwork.manager.ledger.OrdererPlacement;
import io.patchwork.manager.ledger.Settlement;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.MemberMessages;
import io.patchwork.node.api.NodeRole;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Lifecycle;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.Orderer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code /ledgers}: create a ledger from a template for a list of parties, list them, show one with
 * its nodes. Database and provisioning work runs on worker threads.
 */
final class LedgerRoutes {
  /** More parties than any template allows, refused before the template is asked. */
  private static final int MAX_PARTIES = 1_000;

  /** The most blocks of a Fabric channel a ledger is made from. */
  private static final int MAX_FABRIC_BLOCKS = 1_000_000;

  /** The most chaincode packages a new ledger pins. */
  private static final int MAX_CHAINCODE = 100;

  private final Vertx vertx;
  private final LedgerService service;
  private final Settlement settlement;

  LedgerRoutes(Vertx vertx, LedgerService service, Settlement settlement) {
    this.settlement = settlement;
    this.vertx = vertx;
    this.service = service;
  }

  void create(RoutingContext ctx) {
    if (!Authentication.principal(ctx).isOperator()) {
      ApiVerticle.error(ctx, ApiError.FORBIDDEN, "only the operator creates ledgers");
      return;
    }
    LedgerService.Request request;
    try {
      request = request(JsonBody.of(ctx));
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    }
    vertx
        .executeBlocking(() -> service.accept(request), false)
        .onSuccess(record -> provisionAndAnswer(ctx, record, json(record, Optional.empty())))
        .onFailure(
            failure -> {
              ApiVerticle.fail(ctx, failure);
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
        .executeBlocking(() -> service.registry().list(), false)
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
        .executeBlocking(
            () -> {
              Optional<LedgerRecord> record = service.registry().get(id);
              Optional<HostedLedger> running = service.running(id);
              if (record.isEmpty() || running.isEmpty()) {
                return record.map(r -> json(r, running));
              }
              // Orderers other instances run for it: their figures come from those instances.
              JsonObject json = json(record.get(), running);
              JsonArray nodes = json.getJsonArray("nodes");
              Set<String> here = new HashSet<>();
              nodes.forEach(
                  node ->
                      here.add(
                          ((JsonObject) node).put("instance", service.instance()).getString("id")));
              for (OrdererPlacement.PlacedNode placed : service.placedElsewhere(id)) {
                if (here.contains(placed.nodeId())) {
                  continue;
                }
                JsonObject node =
                    new JsonObject()
                        .put("id", placed.nodeId())
                        .put("kind", "orderer")
                        .put("endpoint", placed.endpoint())
                        .put("instance", placed.instance())
                        .put("reachable", placed.reachable());
                placed.height().ifPresent(height -> node.put("height", height));
                placed.leader().ifPresent(leader -> node.put("leader", leader));
                nodes.add(node);
                here.add(placed.nodeId());
              }
              // Orderers of the config in force that no instance runs: their members run them.
              for (Orderer orderer : running.get().config().getOrderersList()) {
                if (!here.contains(orderer.getNodeId())) {
                  nodes.add(
                      new JsonObject()
                          .put("id", orderer.getNodeId())
                          .put("kind", "orderer")
                          .put("mspId", orderer.getMspId())
                          .put("endpoint", orderer.getHost() + ":" + orderer.getPort()));
                }
              }
              return Optional.of(json);
            },
            false)
        .onSuccess(
            json -> {
              if (json.isEmpty()) {
                ApiVerticle.error(ctx, ApiError.LEDGER_NOT_FOUND, "no ledger '" + id + "'");
              } else {
                ctx.json(json.get());
              }
            })
        .onFailure(ctx::fail);
  }

  /** {@code GET /ledgers/{id}/genesis}: the genesis block, for a member's own node. */
  /**
   * {@code GET /ledgers/{id}/connection-profile[?mspId=]}: the connection profile of a member — the
   * caller's own organisation, or for the operator the one {@code mspId} names — with the endpoints
   * its peers and the orderers are reached at now (after another instance took the ledger's peers
   * over, they are on that instance).
   */
  void connectionProfile(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    Optional<String> mspId =
        Authentication.principal(ctx)
            .mspId()
            .or(() -> Optional.ofNullable(ctx.queryParams().get("mspId")));
    if (mspId.isEmpty()) {
      ApiVerticle.error(
          ctx, ApiError.MALFORMED_REQUEST, "mspId: the operator names the member (?mspId=...)");
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              HostedLedger ledger = service.runningLedger(id);
              if (!ledger.config().getMembersList().stream()
                  .anyMatch(member -> member.getMspId().equals(mspId.get()))) {
                throw new Refusal(
                    ApiError.NOT_A_MEMBER, mspId.get() + " is not a member of ledger " + id);
              }
              return InviteRoutes.profile(MemberInvites.profile(ledger, mspId.get()));
            },
            false)
        .onSuccess(ctx::json)
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  void genesis(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    vertx
        .executeBlocking(() -> service.genesis(id), false)
        .onSuccess(
            block ->
                ctx.response()
                    .putHeader("content-type", "application/octet-stream")
                    .putHeader("content-disposition", "attachment; filename=\"genesis.block\"")
                    .end(io.vertx.core.buffer.Buffer.buffer(block.toByteArray())))
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
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
        .executeBlocking(() -> service.exportSnapshot(id), false)
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
                                },
                                false)))
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  /** A peer as the API shows it. */
  static JsonObject peerJson(HostedNode peer) {
    return new JsonObject()
        .put("id", peer.nodeId())
        .put("kind", "peer")
        .put("mspId", peer.mspId())
        .put("endpoint", peer.host() + ":" + peer.port())
        .put("height", peer.height());
  }

  /** The body of {@code POST /ledgers}; what it leaves out the service refuses field by field. */
  private static LedgerService.Request request(JsonBody body) throws Refusal {
    List<LedgerRecord.Party> parties = new ArrayList<>();
    if (body.has("parties")) {
      for (JsonBody party : body.objects("parties", 0, MAX_PARTIES)) {
        parties.add(
            new LedgerRecord.Party(
                party.optionalString("organization").orElse(""),
                party.optionalString("mspId").orElse("")));
      }
    }
    return new LedgerService.Request(
        body.optionalString("name").orElse(null),
        body.optionalString("template").orElse(null),
        parties,
        body.textMap("overrides"),
        Optional.empty(),
        body.has("fabricConfigBlock")
            ? Optional.of(body.base64("fabricConfigBlock"))
            : Optional.empty(),
        body.has("fabricBlocks") ? blocks(body) : List.of(),
        chaincode(body));
  }

  /** The chaincode to pin: a name and a ccaas package (base64) each. */
  private static List<LedgerService.Chaincode> chaincode(JsonBody body) throws Refusal {
    List<LedgerService.Chaincode> chaincode = new ArrayList<>();
    if (body.has("chaincode")) {
      for (JsonBody entry : body.objects("chaincode", 1, MAX_CHAINCODE)) {
        chaincode.add(new LedgerService.Chaincode(entry.string("name"), entry.base64("package")));
      }
    }
    return chaincode;
  }

  /** The channel's blocks, each base64, from block 0. */
  private static List<byte[]> blocks(JsonBody body) throws Refusal {
    List<String> encoded = body.strings("fabricBlocks", 1, MAX_FABRIC_BLOCKS);
    List<byte[]> blocks = new ArrayList<>(encoded.size());
    for (int i = 0; i < encoded.size(); i++) {
      try {
        blocks.add(Base64.getDecoder().decode(encoded.get(i)));
      } catch (IllegalArgumentException e) {
        throw Refusal.malformed("fabricBlocks[" + i + "]", "expected base64");
      }
    }
    return blocks;
  }

  private static JsonObject json(LedgerRecord record, Optional<HostedLedger> running) {
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
        summary(record)
            .put("parties", parties)
            .put("overrides", new JsonObject(new LinkedHashMap<String, Object>(record.overrides())))
            .put("createdAt", record.createdAt().toString())
            .put("updatedAt", record.updatedAt().toString());
    running.ifPresent(
        ledger -> {
          json.put("nodes", nodes(ledger));
          // Proposals name the config sequence they amend.
          if (!ledger.peers().isEmpty()) {
            LedgerConfig config = ledger.config();
            json.put("configSequence", config.getSequence());
            // The members now — parties are who the ledger was created for; votes change members.
            json.put("members", members(config));
            json.put("voting", voting(config));
            json.put(
                "commitStatus",
                new JsonObject()
                    .put("scope", config.getCommitStatus().getScope().name())
                    .put(
                        "timeout",
                        Duration.ofMillis(
                                config.getCommitStatus().getTimeoutMillis() == 0
                                    ? 5_000
                                    : config.getCommitStatus().getTimeoutMillis())
                            .toString()));
            lifecycle(config).ifPresent(lifecycle -> json.put("lifecycle", lifecycle));
          }
          if (ledger.genesisConfig().hasOpening()) {
            json.put("predecessor", predecessor(ledger.genesisConfig().getOpening()));
          }
        });
    return json;
  }

  /** What names a ledger in a list: id, name, template, status and, if it failed, why. */
  static JsonObject summary(LedgerRecord record) {
    JsonObject json =
        new JsonObject()
            .put("id", record.id())
            .put("name", record.name())
            .put("template", record.template())
            .put("status", record.status().name());
    record.failure().ifPresent(failure -> json.put("failure", failure));
    return json;
  }

  /** The members of a config, organisation and MSP id each. */
  static JsonArray members(LedgerConfig config) {
    JsonArray members = new JsonArray();
    config
        .getMembersList()
        .forEach(
            member ->
                members.add(
                    new JsonObject()
                        .put("organization", member.getOrganization())
                        .put("mspId", member.getMspId())));
    return members;
  }

  /** The voting policy in force (the template's until members change it). */
  static JsonObject voting(LedgerConfig config) {
    VotingPolicy policy = MemberMessages.votingPolicy(config);
    return new JsonObject()
        .put("thresholdPercent", policy.thresholdPercent())
        .put("comparator", policy.comparator().name())
        .put("quorumPercent", policy.quorumPercent())
        .put("duration", policy.duration().toString())
        .put("version", policy.version());
  }

  /** When the ledger's lifespan ends and until when its contracts may be upgraded. */
  static Optional<JsonObject> lifecycle(LedgerConfig config) {
    if (!config.hasLifecycle()) {
      return Optional.empty();
    }
    Lifecycle lifecycle = config.getLifecycle();
    JsonObject json = new JsonObject();
    if (lifecycle.getLifespanEndsAtMillis() > 0) {
      Instant ends = Instant.ofEpochMilli(lifecycle.getLifespanEndsAtMillis());
      json.put("lifespanEndsAt", ends.toString())
          .put("pastLifespan", !Instant.now().isBefore(ends));
    }
    if (lifecycle.getUpgradesUntilMillis() > 0) {
      json.put(
          "upgradesUntil", Instant.ofEpochMilli(lifecycle.getUpgradesUntilMillis()).toString());
    }
    return Optional.of(json);
  }

  /** A successor's link to the statement its predecessor closed with, and what it carried. */
  static JsonObject predecessor(Opening opening) {
    return new JsonObject()
        .put("ledger", opening.getPredecessorLedgerId())
        .put(
            "statementSha256",
            HexFormat.of().formatHex(opening.getPredecessorStatementSha256().toByteArray()))
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
      ApiVerticle.error(ctx, ApiError.FORBIDDEN, "only the operator creates ledgers");
      return;
    }
    String name;
    try {
      name = JsonBody.of(ctx).string("name");
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    }
    vertx
        .executeBlocking(() -> settlement.successor(id, name), false)
        .onSuccess(
            successor ->
                provisionAndAnswer(
                    ctx,
                    successor.record(),
                    json(successor.record(), Optional.empty())
                        .put("predecessor", predecessor(successor.opening()))))
        .onFailure(
            failure -> {
              ApiVerticle.fail(ctx, failure);
            });
  }

  private static JsonArray nodes(HostedLedger ledger) {
    JsonArray nodes = new JsonArray();
    for (HostedNode node : ledger.nodes()) {
      JsonObject json =
          new JsonObject()
              .put("id", node.nodeId())
              .put("kind", kind(node.role()))
              .put("endpoint", node.host() + ":" + node.port());
      if (node.role() == NodeRole.ORDERER) {
        json.put("height", node.height()).put("leader", node.isLeader());
      } else {
        json.put("mspId", node.mspId()).put("height", node.height());
      }
      nodes.add(json);
    }
    return nodes;
  }

  private static String kind(NodeRole role) {
    return role == NodeRole.ORDERER ? "orderer" : "peer";
  }
}
