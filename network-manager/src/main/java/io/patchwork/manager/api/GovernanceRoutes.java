package io.patchwork.manager.api;

import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.governance.Choice;
import io.patchwork.manager.ledger.LedgerGovernance;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Base64;

/**
 * {@code /ledgers/{id}/proposals}: member admins hand in proposals and ballots they signed with
 * their own admin keys (base64 of the protobuf messages the governance library builds); anyone of
 * the ledger lists and reads them with their ballots and tally.
 */
final class GovernanceRoutes {
  private final Vertx vertx;
  private final LedgerGovernance governance;

  GovernanceRoutes(Vertx vertx, LedgerGovernance governance) {
    this.vertx = vertx;
    this.governance = governance;
  }

  void propose(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    SignedGovernanceProposal signed;
    try {
      signed =
          SignedGovernanceProposal.parseFrom(
              Base64.getDecoder().decode(ctx.body().asJsonObject().getString("signedProposal")));
    } catch (DecodeException
        | ClassCastException
        | NullPointerException
        | IllegalArgumentException
        | InvalidProtocolBufferException e) {
      ApiVerticle.error(
          ctx,
          400,
          "MALFORMED_REQUEST",
          "expected a JSON object {signedProposal: base64 of a SignedGovernanceProposal}");
      return;
    }
    vertx
        .executeBlocking(() -> governance.propose(Authentication.principal(ctx), id, signed))
        .onSuccess(
            view ->
                ctx.response()
                    .setStatusCode(201)
                    .putHeader("location", "/ledgers/" + id + "/proposals/" + view.id())
                    .putHeader("content-type", "application/json")
                    .end(json(view).encode()))
        .onFailure(failure -> fail(ctx, failure));
  }

  void vote(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String proposal = ctx.pathParam("proposal");
    GovernanceBallot ballot;
    try {
      ballot =
          GovernanceBallot.parseFrom(
              Base64.getDecoder().decode(ctx.body().asJsonObject().getString("ballot")));
    } catch (DecodeException
        | ClassCastException
        | NullPointerException
        | IllegalArgumentException
        | InvalidProtocolBufferException e) {
      ApiVerticle.error(
          ctx,
          400,
          "MALFORMED_REQUEST",
          "expected a JSON object {ballot: base64 of a GovernanceBallot}");
      return;
    }
    vertx
        .executeBlocking(() -> governance.vote(Authentication.principal(ctx), id, proposal, ballot))
        .onSuccess(view -> ctx.json(json(view)))
        .onFailure(failure -> fail(ctx, failure));
  }

  void list(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    vertx
        .executeBlocking(() -> governance.list(Authentication.principal(ctx), id))
        .onSuccess(
            views -> {
              JsonArray array = new JsonArray();
              views.forEach(view -> array.add(json(view)));
              ctx.json(new JsonObject().put("proposals", array));
            })
        .onFailure(failure -> fail(ctx, failure));
  }

  void show(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String proposal = ctx.pathParam("proposal");
    vertx
        .executeBlocking(() -> governance.show(Authentication.principal(ctx), id, proposal))
        .onSuccess(view -> ctx.json(json(view)))
        .onFailure(failure -> fail(ctx, failure));
  }

  private static JsonObject json(LedgerGovernance.ProposalView view) {
    GovernanceProposal content = view.content();
    JsonArray ballots = new JsonArray();
    for (GovernanceBallot ballot : view.ballots()) {
      ballots.add(
          new JsonObject()
              .put("mspId", ballot.getVoterMspId())
              .put("choice", Choice.of(ballot.getChoice()).map(Enum::name).orElse("UNKNOWN"))
              .put("castAt", Instant.ofEpochMilli(ballot.getCastAtMillis()).toString()));
    }
    JsonObject json =
        new JsonObject()
            .put("id", view.id())
            .put("action", action(content))
            .put("proposer", content.getProposerMspId())
            .put("createdAt", Instant.ofEpochMilli(content.getCreatedAtMillis()).toString())
            .put("configSequence", content.getConfigSequence())
            .put("status", view.status())
            .put("ballots", ballots)
            // What voters sign against: they check it says what they think before voting.
            .put("signedProposal", Base64.getEncoder().encodeToString(view.signed().toByteArray()));
    view.tally()
        .ifPresent(
            tally ->
                json.put("yes", tally.yes())
                    .put("no", tally.no())
                    .put("eligible", tally.eligible()));
    return json;
  }

  private static JsonObject action(GovernanceProposal content) {
    JsonObject action = new JsonObject().put("kind", content.getActionCase().name());
    switch (content.getActionCase()) {
      case ADD_MEMBER ->
          action
              .put("organization", content.getAddMember().getOrganization())
              .put("mspId", content.getAddMember().getMspId());
      case REMOVE_MEMBER -> action.put("mspId", content.getRemoveMember().getMspId());
      case UPGRADE_CONTRACT ->
          action
              .put("contract", content.getUpgradeContract().getContract())
              .put("version", content.getUpgradeContract().getVersion());
      default -> {
        // the kind says it all for the other actions
      }
    }
    return action;
  }

  private static void fail(RoutingContext ctx, Throwable failure) {
    if (failure instanceof LedgerGovernance.GovernanceException refused) {
      ApiVerticle.error(ctx, refused.status(), refused.code(), refused.getMessage());
    } else {
      ctx.fail(failure);
    }
  }
}
