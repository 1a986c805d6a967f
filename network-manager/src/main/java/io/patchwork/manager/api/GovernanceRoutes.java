package io.patchwork.manager.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;
import io.patchwork.ca.Pem;
import io.patchwork.ca.RevocationReason;
import io.patchwork.governance.Choice;
import io.patchwork.manager.error.Refusal;
import io.patchwork.manager.ledger.LedgerGovernance;
import io.patchwork.node.api.MemberMessages;
import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.config.proto.ConfigSignature;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.config.proto.VotingPolicy;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigInteger;
import java.security.cert.CRLException;
import java.security.cert.X509CRL;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

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
    JsonBody body;
    try {
      body = JsonBody.of(ctx);
      if (body.has("action")
          && body.object("action")
              .optionalString("kind")
              .orElse("")
              .equals("REVOKE_CERTIFICATES")) {
        JsonBody action = body.object("action");
        List<BigInteger> serials = serials(action);
        RevocationReason reason = reason(action);
        vertx
            .executeBlocking(
                () ->
                    governance.proposeRevocation(
                        Authentication.principal(ctx), id, serials, reason),
                false)
            .onSuccess(view -> created(ctx, id, view))
            .onFailure(failure -> ApiVerticle.failWithAuthority(ctx, failure));
        return;
      }
      if (body.has("action")) {
        GovernanceProposal.Builder action = action(body.object("action"));
        vertx
            .executeBlocking(
                () -> governance.proposeAsHosted(Authentication.principal(ctx), id, action), false)
            .onSuccess(view -> created(ctx, id, view))
            .onFailure(failure -> ApiVerticle.fail(ctx, failure));
        return;
      }
      SignedGovernanceProposal signed =
          message(body, "signedProposal", SignedGovernanceProposal.parser());
      vertx
          .executeBlocking(
              () -> governance.propose(Authentication.principal(ctx), id, signed), false)
          .onSuccess(view -> created(ctx, id, view))
          .onFailure(failure -> ApiVerticle.fail(ctx, failure));
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
    }
  }

  /**
   * {@code POST /ledgers/{id}/proposal-drafts} {@code {"action": ...}}: the proposal a member admin
   * would make, unsigned, for it to sign on its side (the console signs it in the browser). The
   * answer carries the bytes to sign, their SHA-256 (the proposal's id once signed) and the action
   * as the ledger will show it. Nothing is recorded.
   */
  void draft(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    GovernanceProposal.Builder action;
    try {
      action = action(JsonBody.of(ctx).object("action"));
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    }
    vertx
        .executeBlocking(() -> governance.draft(Authentication.principal(ctx), id, action), false)
        .onSuccess(
            content ->
                ctx.json(
                    new JsonObject()
                        .put("proposal", Base64.getEncoder().encodeToString(content.toByteArray()))
                        .put("sha256", MemberMessages.proposalId(content.toByteString()))
                        .put("action", action(content))
                        .put("proposer", content.getProposerMspId())
                        .put("configSequence", content.getConfigSequence())
                        .put(
                            "createdAt",
                            Instant.ofEpochMilli(content.getCreatedAtMillis()).toString())))
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  /** A protobuf message sent base64-encoded in a body field. */
  private static <T> T message(JsonBody body, String field, Parser<T> parser) throws Refusal {
    try {
      return parser.parseFrom(body.base64(field));
    } catch (InvalidProtocolBufferException e) {
      throw Refusal.malformed(body.path(field), "expected base64 of a protobuf message");
    }
  }

  private static void created(RoutingContext ctx, String id, LedgerGovernance.ProposalView view) {
    ctx.response()
        .setStatusCode(201)
        .putHeader("location", "/ledgers/" + id + "/proposals/" + view.id())
        .putHeader("content-type", "application/json")
        .end(json(view).encode());
  }

  /** The action of a proposal the manager signs for a member, from its JSON form. */
  static GovernanceProposal.Builder action(JsonBody action) throws Refusal {
    String kind = action.string("kind");
    GovernanceProposal.Builder proposal = GovernanceProposal.newBuilder();
    switch (kind) {
      case "ADD_MEMBER" ->
          proposal.setAddMember(
              GovernanceProposal.AddMember.newBuilder()
                  .setOrganization(required(action, "organization"))
                  .setMspId(required(action, "mspId")));
      case "REMOVE_MEMBER" ->
          proposal.setRemoveMember(
              GovernanceProposal.RemoveMember.newBuilder().setMspId(required(action, "mspId")));
      case "REMOVE_ORDERER" ->
          proposal.setRemoveOrderer(
              GovernanceProposal.RemoveOrderer.newBuilder().setNodeId(required(action, "nodeId")));
      case "CLOSE_LEDGER" ->
          proposal.setCloseLedger(
              GovernanceProposal.CloseLedger.newBuilder()
                  .setSettlementAsset(action.optionalString("settlementAsset").orElse(""))
                  .setTerms(action.optionalString("terms").orElse("")));
      case "CHANGE_POLICY" -> proposal.setChangePolicy(changePolicy(action));
      case "UPGRADE_CONTRACT" -> {
        byte[] hash;
        try {
          hash = HexFormat.of().parseHex(required(action, "codeHash"));
        } catch (IllegalArgumentException e) {
          throw Refusal.malformed(action.path("codeHash"), "expected 64 hexadecimal digits");
        }
        if (hash.length != 32) {
          throw Refusal.malformed(action.path("codeHash"), "expected a SHA-256: 64 hex digits");
        }
        proposal.setUpgradeContract(
            GovernanceProposal.UpgradeContract.newBuilder()
                .setContract(required(action, "contract"))
                .setVersion(required(action, "version"))
                .setCodeHash(ByteString.copyFrom(hash)));
      }
      default ->
          throw Refusal.malformed(
              action.path("kind"),
              "the manager signs ADD_MEMBER, REMOVE_MEMBER, REMOVE_ORDERER, CHANGE_POLICY,"
                  + " UPGRADE_CONTRACT and CLOSE_LEDGER proposals; sign '"
                  + kind
                  + "' with the member's own admin key");
    }
    return proposal;
  }

  /**
   * A ChangePolicy from {@code {"voting": {"thresholdPercent", "comparator", "quorumPercent",
   * "duration"}, "endorsingOrganizations", "maxTransactionsPerBlock"}}, each part optional; the
   * voting policy's version is filled in as the next one.
   */
  private static GovernanceProposal.ChangePolicy changePolicy(JsonBody action) throws Refusal {
    GovernanceProposal.ChangePolicy.Builder change = GovernanceProposal.ChangePolicy.newBuilder();
    if (action.has("voting")) {
      JsonBody voting = action.object("voting");
      VotingPolicy.Comparator comparator =
          switch (voting.optionalString("comparator").orElse("GREATER_THAN")) {
            case "GREATER_THAN" -> VotingPolicy.Comparator.GREATER_THAN;
            case "GREATER_THAN_OR_EQUAL" -> VotingPolicy.Comparator.GREATER_THAN_OR_EQUAL;
            default ->
                throw Refusal.malformed(
                    voting.path("comparator"), "GREATER_THAN or GREATER_THAN_OR_EQUAL");
          };
      Duration duration = duration(voting, "duration", "PT24H");
      change.setVoting(
          VotingPolicy.newBuilder()
              .setThresholdPercent(voting.integer("thresholdPercent", 50))
              .setComparator(comparator)
              .setQuorumPercent(voting.integer("quorumPercent", 0))
              .setDurationMillis(duration.toMillis()));
    }
    change.setEndorsingOrganizations(action.integer("endorsingOrganizations", 0));
    change.setMaxTransactionsPerBlock(action.integer("maxTransactionsPerBlock", 0));
    if (action.has("commitStatus")) {
      JsonBody status = action.object("commitStatus");
      CommitStatusPolicy.Scope scope =
          switch (status.string("scope")) {
            case "GATEWAY_PEER" -> CommitStatusPolicy.Scope.GATEWAY_PEER;
            case "ENDORSING_ORGANIZATIONS" -> CommitStatusPolicy.Scope.ENDORSING_ORGANIZATIONS;
            case "ALL_MEMBERS" -> CommitStatusPolicy.Scope.ALL_MEMBERS;
            default ->
                throw Refusal.malformed(
                    status.path("scope"), "GATEWAY_PEER, ENDORSING_ORGANIZATIONS or ALL_MEMBERS");
          };
      Duration timeout = duration(status, "timeout", "PT5S");
      if (timeout.isNegative()
          || timeout.isZero()
          || timeout.compareTo(Duration.ofMinutes(1)) > 0) {
        throw Refusal.malformed(status.path("timeout"), "more than PT0S and at most PT60S");
      }
      change.setCommitStatus(
          CommitStatusPolicy.newBuilder().setScope(scope).setTimeoutMillis(timeout.toMillis()));
    }
    if (!change.hasVoting()
        && change.getEndorsingOrganizations() == 0
        && change.getMaxTransactionsPerBlock() == 0
        && !change.hasCommitStatus()) {
      throw Refusal.malformed(
          action.path("kind"),
          "CHANGE_POLICY names voting, endorsingOrganizations, maxTransactionsPerBlock or"
              + " commitStatus");
    }
    return change.build();
  }

  /** An optional ISO-8601 duration field, {@code fallback} when absent. */
  private static Duration duration(JsonBody body, String field, String fallback) throws Refusal {
    try {
      return Duration.parse(body.optionalString(field).orElse(fallback));
    } catch (DateTimeParseException e) {
      throw Refusal.malformed(body.path(field), "an ISO-8601 duration such as " + fallback);
    }
  }

  private static String required(JsonBody action, String field) throws Refusal {
    String value = action.string(field);
    if (value.isBlank()) {
      throw Refusal.malformed(action.path(field), "missing");
    }
    return value;
  }

  void vote(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String proposal = ctx.pathParam("proposal");
    try {
      JsonBody body = JsonBody.of(ctx);
      if (body.has("choice")) {
        Choice choice;
        try {
          choice = Choice.valueOf(body.string("choice"));
        } catch (IllegalArgumentException e) {
          throw Refusal.malformed(body.path("choice"), "expected YES or NO");
        }
        vertx
            .executeBlocking(
                () -> governance.voteAsHosted(Authentication.principal(ctx), id, proposal, choice),
                false)
            .onSuccess(view -> ctx.json(json(view)))
            .onFailure(failure -> ApiVerticle.fail(ctx, failure));
        return;
      }
      GovernanceBallot ballot = message(body, "ballot", GovernanceBallot.parser());
      vertx
          .executeBlocking(
              () -> governance.vote(Authentication.principal(ctx), id, proposal, ballot), false)
          .onSuccess(view -> ctx.json(json(view)))
          .onFailure(failure -> ApiVerticle.fail(ctx, failure));
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
    }
  }

  void list(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    vertx
        .executeBlocking(() -> governance.list(Authentication.principal(ctx), id), false)
        .onSuccess(
            views -> {
              JsonArray array = new JsonArray();
              views.forEach(view -> array.add(json(view)));
              ctx.json(new JsonObject().put("proposals", array));
            })
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  /** The ledger authority's CRL, PEM (for {@code openssl verify -crl_check -CRLfile}). */
  void crl(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    vertx
        .executeBlocking(() -> governance.crl(Authentication.principal(ctx), id), false)
        .onSuccess(
            crl ->
                ctx.response()
                    .putHeader("content-type", "application/x-pem-file")
                    .end(Pem.crl(crl)))
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  /**
   * {@code GET /ledgers/{id}/revocation-crl?serial=HEX&serial=...&reason=KEY_COMPROMISE}: the CRL a
   * RevokeCertificates proposal signed on the member's side carries, base64 DER and PEM.
   */
  void revocationCrl(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    List<BigInteger> serials = new ArrayList<>();
    RevocationReason reason;
    try {
      for (String serial : ctx.queryParam("serial")) {
        serials.add(serial(serial, "serial"));
      }
      reason = queryReason(ctx);
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    }
    vertx
        .executeBlocking(
            () -> governance.revocationCrl(Authentication.principal(ctx), id, serials, reason),
            false)
        .onSuccess(crl -> crlAnswer(ctx, crl, new JsonObject()))
        .onFailure(failure -> ApiVerticle.failWithAuthority(ctx, failure));
  }

  /**
   * {@code GET /ledgers/{id}/certificates/{serial}/revocation?reason=KEY_COMPROMISE}: the config
   * update by which the caller's organisation revokes one of its certificates without a vote, for
   * one of its admins to sign on its side (base64 of the next LedgerConfig).
   */
  void ownRevocationUpdate(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String serial = ctx.pathParam("serial");
    RevocationReason reason;
    try {
      reason = queryReason(ctx);
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    }
    vertx
        .executeBlocking(
            () -> governance.ownRevocationUpdate(Authentication.principal(ctx), id, serial, reason),
            false)
        .onSuccess(
            next ->
                ctx.json(
                    new JsonObject()
                        .put("serial", serial)
                        .put("reason", reason.name())
                        .put("configSequence", next.getSequence())
                        .put("config", Base64.getEncoder().encodeToString(next.toByteArray()))))
        .onFailure(failure -> ApiVerticle.failWithAuthority(ctx, failure));
  }

  /**
   * {@code POST /ledgers/{id}/certificates/{serial}/revocation}: revokes one of the caller's
   * organisation's certificates without a vote — {@code {"reason"}} signed by its hosted admin, or
   * {@code {"config", "signature"}} (base64 LedgerConfig from the GET, and ConfigSignature) signed
   * on its side.
   */
  void revokeOwn(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String serial = ctx.pathParam("serial");
    Optional<LedgerConfig> next;
    Optional<ConfigSignature> signature;
    RevocationReason reason;
    try {
      JsonBody body = JsonBody.orEmpty(ctx);
      reason = reason(body);
      if (body.has("config") || body.has("signature")) {
        next = Optional.of(parse(body, "config", LedgerConfig.parser()));
        signature = Optional.of(parse(body, "signature", ConfigSignature.parser()));
      } else {
        next = Optional.empty();
        signature = Optional.empty();
      }
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    }
    vertx
        .executeBlocking(
            () ->
                next.isPresent()
                    ? governance.revokeOwnSigned(
                        Authentication.principal(ctx), id, serial, next.get(), signature.get())
                    : governance.revokeOwn(Authentication.principal(ctx), id, serial, reason),
            false)
        .onSuccess(
            done ->
                ctx.json(
                    new JsonObject()
                        .put("serial", done.serialHex())
                        .put("status", "REVOKED")
                        .put("block", done.block())
                        .put("configSequence", done.configSequence())
                        .put("lapsedProposals", new JsonArray(done.lapsed()))))
        .onFailure(failure -> ApiVerticle.failWithAuthority(ctx, failure));
  }

  private static <T> T parse(JsonBody body, String field, com.google.protobuf.Parser<T> parser)
      throws Refusal {
    try {
      return parser.parseFrom(body.base64(field));
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw Refusal.malformed(body.path(field), "base64 of the protobuf message");
    }
  }

  private static List<BigInteger> serials(JsonBody action) throws Refusal {
    List<BigInteger> serials = new ArrayList<>();
    for (String serial : action.strings("serials", 1, 100)) {
      serials.add(serial(serial, action.path("serials")));
    }
    return serials;
  }

  private static BigInteger serial(String hex, String path) throws Refusal {
    try {
      return new BigInteger(hex, 16);
    } catch (NumberFormatException e) {
      throw Refusal.malformed(path, "certificate serials in hexadecimal");
    }
  }

  private static RevocationReason reason(JsonBody action) throws Refusal {
    return reason(action.optionalString("reason").orElse("KEY_COMPROMISE"), action.path("reason"));
  }

  /** The query's {@code reason}, KEY_COMPROMISE if it names none. */
  private static RevocationReason queryReason(RoutingContext ctx) throws Refusal {
    return reason(ctx.queryParam("reason").stream().findFirst().orElse("KEY_COMPROMISE"), "reason");
  }

  private static RevocationReason reason(String text, String path) throws Refusal {
    try {
      return RevocationReason.valueOf(text);
    } catch (IllegalArgumentException e) {
      throw Refusal.malformed(
          path,
          "one of KEY_COMPROMISE, AFFILIATION_CHANGED, SUPERSEDED, CESSATION_OF_OPERATION, PRIVILEGE_WITHDRAWN, UNSPECIFIED");
    }
  }

  private static void crlAnswer(RoutingContext ctx, X509CRL crl, JsonObject json) {
    try {
      ctx.json(
          json.put("crl", Base64.getEncoder().encodeToString(crl.getEncoded()))
              .put("pem", Pem.crl(crl)));
    } catch (CRLException e) {
      ctx.fail(e);
    }
  }

  /** The CRL a proposal to remove a member carries, base64 DER and PEM. */
  void removalCrl(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String mspId = ctx.pathParam("mspId");
    vertx
        .executeBlocking(
            () -> governance.removalCrl(Authentication.principal(ctx), id, mspId), false)
        .onSuccess(crl -> crlAnswer(ctx, crl, new JsonObject().put("mspId", mspId)))
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  void show(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String proposal = ctx.pathParam("proposal");
    vertx
        .executeBlocking(() -> governance.show(Authentication.principal(ctx), id, proposal), false)
        .onSuccess(view -> ctx.json(json(view)))
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
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
      case REMOVE_ORDERER -> action.put("nodeId", content.getRemoveOrderer().getNodeId());
      case ADD_ORDERER ->
          action
              .put("nodeId", content.getAddOrderer().getOrderer().getNodeId())
              .put("mspId", content.getAddOrderer().getOrderer().getMspId())
              .put(
                  "endpoint",
                  content.getAddOrderer().getOrderer().getHost()
                      + ":"
                      + content.getAddOrderer().getOrderer().getPort());
      case UPGRADE_CONTRACT ->
          action
              .put("contract", content.getUpgradeContract().getContract())
              .put("version", content.getUpgradeContract().getVersion())
              .put(
                  "codeHash",
                  HexFormat.of()
                      .formatHex(content.getUpgradeContract().getCodeHash().toByteArray()));
      case CHANGE_POLICY -> {
        GovernanceProposal.ChangePolicy change = content.getChangePolicy();
        if (change.hasVoting()) {
          action.put(
              "voting",
              new JsonObject()
                  .put("thresholdPercent", change.getVoting().getThresholdPercent())
                  .put("comparator", change.getVoting().getComparator().name())
                  .put("quorumPercent", change.getVoting().getQuorumPercent())
                  .put(
                      "duration",
                      Duration.ofMillis(change.getVoting().getDurationMillis()).toString())
                  .put("version", change.getVoting().getVersion()));
        }
        if (change.hasCommitStatus()) {
          action.put(
              "commitStatus",
              new JsonObject()
                  .put("scope", change.getCommitStatus().getScope().name())
                  .put(
                      "timeout",
                      Duration.ofMillis(change.getCommitStatus().getTimeoutMillis()).toString()));
        }
        if (change.getEndorsingOrganizations() > 0) {
          action.put("endorsingOrganizations", change.getEndorsingOrganizations());
        }
        if (change.getMaxTransactionsPerBlock() > 0) {
          action.put("maxTransactionsPerBlock", change.getMaxTransactionsPerBlock());
        }
      }
      default -> {
        // the kind says it all for the other actions
      }
    }
    return action;
  }
}
