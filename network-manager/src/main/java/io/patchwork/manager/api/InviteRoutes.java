package io.patchwork.manager.api;

import io.patchwork.ca.CertificateProfile;
import io.patchwork.ca.CsrSubmission;
import io.patchwork.ca.Invite;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.Pem;
import io.patchwork.manager.error.Refusal;
import io.patchwork.manager.ledger.MemberInvites;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code /ledgers/{id}/invites}: make and list a ledger's member invites, and redeem one with CSRs.
 * Certificate authority refusals keep their code (INVITE_EXPIRED, SUBJECT_MISMATCH, ...) with the
 * status that says what kind of problem it is.
 */
final class InviteRoutes {
  private static final int MAX_CSRS = 8;

  private final Vertx vertx;
  private final MemberInvites invites;

  InviteRoutes(Vertx vertx, MemberInvites invites) {
    this.vertx = vertx;
    this.invites = invites;
  }

  void create(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    InviteRequest request;
    try {
      request = InviteRequest.read(JsonBody.of(ctx));
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    }
    vertx
        .executeBlocking(
            () ->
                invites.invite(
                    Authentication.principal(ctx),
                    id,
                    request.mspId(),
                    request.validity(),
                    request.nodes()),
            false)
        .onSuccess(
            created ->
                ctx.response()
                    .setStatusCode(201)
                    .putHeader("content-type", "application/json")
                    // The only time the token is shown: the operator hands it to the member.
                    .end(json(created.invite()).put("token", created.token().reveal()).encode()))
        .onFailure(failure -> ApiVerticle.failWithAuthority(ctx, failure));
  }

  /** {@code POST /ledgers/{id}/invites}: whom to invite, for how long, with how many own nodes. */
  record InviteRequest(String mspId, Duration validity, int nodes) {
    static InviteRequest read(JsonBody body) throws Refusal {
      Duration validity = MemberInvites.DEFAULT_VALIDITY;
      Optional<String> given = body.optionalString("validFor");
      if (given.isPresent()) {
        try {
          validity = Duration.parse(given.get());
        } catch (DateTimeParseException e) {
          throw Refusal.malformed("validFor", "expected an ISO-8601 duration such as P7D");
        }
      }
      return new InviteRequest(body.string("mspId"), validity, body.integer("nodes", 0));
    }
  }

  /** {@code POST /ledgers/{id}/invites/redeem}: the token, the member's CSRs, what to host. */
  record RedeemRequest(
      String token, List<CsrSubmission> csrs, boolean hostedPeer, boolean hostedAdmin) {
    static RedeemRequest read(JsonBody body) throws Refusal {
      List<CsrSubmission> csrs = new ArrayList<>();
      for (JsonBody csr : body.objects("csrs", 1, MAX_CSRS)) {
        CertificateProfile profile;
        try {
          profile =
              CertificateProfile.valueOf(
                  csr.optionalString("profile").orElse("SIGNING").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw Refusal.malformed(csr.path("profile"), "expected SIGNING or TLS");
        }
        csrs.add(new CsrSubmission(profile, csr.string("pem").getBytes(StandardCharsets.US_ASCII)));
      }
      return new RedeemRequest(
          body.string("token"),
          csrs,
          body.bool("hostedPeer", false),
          body.bool("hostedAdmin", false));
    }
  }

  void list(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    vertx
        .executeBlocking(() -> invites.list(id), false)
        .onSuccess(
            list -> {
              JsonArray array = new JsonArray();
              list.forEach(invite -> array.add(json(invite)));
              ctx.json(new JsonObject().put("invites", array));
            })
        .onFailure(failure -> ApiVerticle.failWithAuthority(ctx, failure));
  }

  /** {@code DELETE /ledgers/{id}/invites/{invite}}: the invite, cancelled. */
  void cancel(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String invite = ctx.pathParam("invite");
    vertx
        .executeBlocking(() -> invites.cancel(Authentication.principal(ctx), id, invite), false)
        .onSuccess(cancelled -> ctx.json(json(cancelled)))
        .onFailure(failure -> ApiVerticle.failWithAuthority(ctx, failure));
  }

  /**
   * {@code POST /ledgers/{id}/invites/preview} {@code {"token"}}: the open invite and the ledger it
   * joins, for its holder to read before redeeming (the token travels in the body, never in a URL).
   * Refused as a redemption would be; nothing changes.
   */
  void preview(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String token;
    try {
      token = JsonBody.of(ctx).string("token");
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    }
    vertx
        .executeBlocking(() -> invites.preview(id, token), false)
        .onSuccess(
            preview -> {
              JsonObject ledger =
                  LedgerRoutes.summary(preview.ledger())
                      .put("configSequence", preview.config().getSequence())
                      .put("members", LedgerRoutes.members(preview.config()))
                      .put("voting", LedgerRoutes.voting(preview.config()));
              LedgerRoutes.lifecycle(preview.config())
                  .ifPresent(lifecycle -> ledger.put("lifecycle", lifecycle));
              ctx.json(
                  new JsonObject()
                      .put(
                          "invite",
                          json(preview.invite()).put("nodes", preview.invite().scope().maxNodes()))
                      .put("ledger", ledger));
            })
        .onFailure(failure -> ApiVerticle.failWithAuthority(ctx, failure));
  }

  void redeem(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    RedeemRequest request;
    try {
      request = RedeemRequest.read(JsonBody.of(ctx));
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    }
    vertx
        .executeBlocking(
            () ->
                invites.redeem(
                    id,
                    request.token(),
                    request.csrs(),
                    request.hostedPeer(),
                    request.hostedAdmin()),
            false)
        .onSuccess(redeemed -> ctx.json(json(redeemed)))
        .onFailure(failure -> ApiVerticle.failWithAuthority(ctx, failure));
  }

  private static JsonObject json(MemberInvites.Redeemed redeemed) {
    JsonArray certificates = new JsonArray();
    for (IssuedCertificate issued : redeemed.redemption().certificates()) {
      certificates.add(
          new JsonObject()
              .put("serial", issued.serialHex())
              .put("role", issued.role().name())
              .put("profile", issued.profile().name())
              .put("subject", issued.certificate().getSubjectX500Principal().getName())
              .put("notAfter", issued.notAfter().toString())
              .put("pem", Pem.certificate(issued.certificate())));
    }
    List<X509Certificate> chain = redeemed.redemption().chain();
    X509Certificate root = chain.get(chain.size() - 1);
    JsonArray intermediates = new JsonArray();
    chain.subList(0, chain.size() - 1).forEach(c -> intermediates.add(Pem.certificate(c)));
    String mspId = redeemed.redemption().invite().scope().mspId();
    JsonObject json =
        new JsonObject()
            .put("ledger", redeemed.profile().ledgerId())
            .put("mspId", mspId)
            .put("certificates", certificates)
            .put("chain", new JsonArray(chain.stream().map(Pem::certificate).toList()))
            .put(
                "msp",
                new JsonObject()
                    .put("mspId", mspId)
                    .put("cacerts", new JsonArray().add(Pem.certificate(root)))
                    .put("intermediatecerts", intermediates)
                    .put("crls", new JsonArray().add(Pem.crl(redeemed.crl()))))
            .put("connectionProfile", profile(redeemed.profile()));
    redeemed
        .hostedPeer()
        .ifPresent(
            hosted -> {
              JsonObject peer = new JsonObject();
              hosted.peer().ifPresent(p -> peer.mergeIn(LedgerRoutes.peerJson(p)));
              hosted
                  .failure()
                  .ifPresent(
                      f ->
                          peer.put(
                              "error",
                              new JsonObject()
                                  .put("code", f.code())
                                  .put("message", f.getMessage())));
              json.put("hostedPeer", peer);
            });
    redeemed
        .hostedAdmin()
        .ifPresent(
            admin ->
                json.put(
                    "hostedAdmin",
                    new JsonObject()
                        .put("serial", admin.getSerialNumber().toString(16))
                        .put("pem", Pem.certificate(admin))));
    // The member admin's API token: shown this once, bound to its admin certificate.
    redeemed.apiToken().ifPresent(issued -> json.put("apiToken", issued.token()));
    return json;
  }

  static JsonObject profile(MemberInvites.ConnectionProfile profile) {
    return new JsonObject()
        .put("ledger", profile.ledgerId())
        .put("mspId", profile.mspId())
        .put("peers", endpoints(profile.peers()))
        .put("orderers", endpoints(profile.orderers()))
        .put("tlsRootCertificates", new JsonArray(profile.tlsRootCertificates()));
  }

  private static JsonArray endpoints(List<MemberInvites.Endpoint> endpoints) {
    JsonArray array = new JsonArray();
    for (MemberInvites.Endpoint endpoint : endpoints) {
      array.add(
          new JsonObject()
              .put("node", endpoint.nodeId())
              .put("mspId", endpoint.mspId())
              .put("endpoint", endpoint.host() + ":" + endpoint.port()));
    }
    return array;
  }

  static JsonObject json(Invite invite) {
    JsonObject json =
        new JsonObject()
            .put("id", invite.id())
            .put("ledger", invite.ledgerId())
            .put("organization", invite.scope().organisation())
            .put("mspId", invite.scope().mspId())
            .put(
                "roles",
                new JsonArray(invite.scope().roles().stream().map(Enum::name).sorted().toList()))
            .put("createdAt", invite.createdAt().toString())
            .put("expiresAt", invite.expiresAt().toString())
            .put("status", invite.status(Instant.now()).name());
    invite.redeemedAt().ifPresent(at -> json.put("redeemedAt", at.toString()));
    return json;
  }
}
