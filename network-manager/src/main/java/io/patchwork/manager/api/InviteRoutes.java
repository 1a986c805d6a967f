package io.patchwork.manager.api;

import io.patchwork.ca.CaError;
import io.patchwork.ca.CaException;
import io.patchwork.ca.CertificateProfile;
import io.patchwork.ca.CsrSubmission;
import io.patchwork.ca.Invite;
import io.patchwork.ca.IssuedCertificate;
import io.patchwork.ca.Pem;
import io.patchwork.manager.ledger.MemberInvites;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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
    String mspId;
    Duration validity;
    int nodes;
    try {
      JsonObject body = ctx.body().asJsonObject();
      mspId = body.getString("mspId");
      nodes = body.getInteger("nodes", 0);
      String given = body.getString("validFor");
      validity = given == null ? MemberInvites.DEFAULT_VALIDITY : Duration.parse(given);
      if (mspId == null) {
        throw new IllegalArgumentException();
      }
    } catch (DecodeException
        | ClassCastException
        | NullPointerException
        | IllegalArgumentException
        | DateTimeParseException e) {
      ApiVerticle.error(
          ctx,
          400,
          "MALFORMED_REQUEST",
          "expected a JSON object {mspId, validFor (ISO-8601 duration, optional), nodes (peers"
              + " of its own the member may certify, optional)}");
      return;
    }
    vertx
        .executeBlocking(
            () -> invites.invite(Authentication.principal(ctx), id, mspId, validity, nodes))
        .onSuccess(
            created ->
                ctx.response()
                    .setStatusCode(201)
                    .putHeader("content-type", "application/json")
                    // The only time the token is shown: the operator hands it to the member.
                    .end(json(created.invite()).put("token", created.token().reveal()).encode()))
        .onFailure(failure -> fail(ctx, failure));
  }

  void list(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    vertx
        .executeBlocking(() -> invites.list(id))
        .onSuccess(
            list -> {
              JsonArray array = new JsonArray();
              list.forEach(invite -> array.add(json(invite)));
              ctx.json(new JsonObject().put("invites", array));
            })
        .onFailure(failure -> fail(ctx, failure));
  }

  void redeem(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String token;
    boolean hostPeer;
    boolean hostAdmin;
    List<CsrSubmission> csrs = new ArrayList<>();
    try {
      JsonObject body = ctx.body().asJsonObject();
      token = body.getString("token");
      hostPeer = body.getBoolean("hostedPeer", false);
      hostAdmin = body.getBoolean("hostedAdmin", false);
      JsonArray list = body.getJsonArray("csrs");
      if (token == null || list == null || list.isEmpty() || list.size() > MAX_CSRS) {
        throw new IllegalArgumentException();
      }
      for (int i = 0; i < list.size(); i++) {
        JsonObject csr = list.getJsonObject(i);
        csrs.add(
            new CsrSubmission(
                CertificateProfile.valueOf(
                    csr.getString("profile", "SIGNING").toUpperCase(Locale.ROOT)),
                csr.getString("pem").getBytes(StandardCharsets.US_ASCII)));
      }
    } catch (DecodeException
        | ClassCastException
        | NullPointerException
        | IllegalArgumentException e) {
      ApiVerticle.error(
          ctx,
          400,
          "MALFORMED_REQUEST",
          "expected a JSON object {token, csrs: [{profile: SIGNING|TLS, pem}], hostedPeer,"
              + " hostedAdmin} with 1 to "
              + MAX_CSRS
              + " CSRs");
      return;
    }
    vertx
        .executeBlocking(() -> invites.redeem(id, token, csrs, hostPeer, hostAdmin))
        .onSuccess(redeemed -> ctx.json(json(redeemed)))
        .onFailure(failure -> fail(ctx, failure));
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
                    .put("intermediatecerts", intermediates))
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

  private static JsonObject profile(MemberInvites.ConnectionProfile profile) {
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
            .put("status", invite.status(java.time.Instant.now()).name());
    invite.redeemedAt().ifPresent(at -> json.put("redeemedAt", at.toString()));
    return json;
  }

  private static void fail(RoutingContext ctx, Throwable failure) {
    if (failure instanceof CaException refused) {
      ApiVerticle.error(ctx, status(refused.error()), refused.error().name(), refused.getMessage());
    } else {
      ApiVerticle.fail(ctx, failure);
    }
  }

  /** The HTTP status for a certificate authority refusal. */
  static int status(CaError error) {
    return switch (error) {
      case INVITE_NOT_FOUND, AUTHORITY_NOT_FOUND, CERTIFICATE_NOT_FOUND -> 404;
      case INVITE_ALREADY_REDEEMED, AUTHORITY_EXISTS, ALREADY_REVOKED -> 409;
      case INVITE_EXPIRED, INVITE_CANCELLED -> 410;
      case SUBJECT_MISMATCH, ROLE_NOT_ALLOWED, NODE_QUOTA_EXCEEDED, INVITE_WRONG_LEDGER -> 403;
      case CSR_TOO_LARGE -> 413;
      case INVALID_ARGUMENT, MALFORMED_CSR, CSR_SIGNATURE_INVALID, KEY_NOT_ALLOWED -> 400;
      default -> 500;
    };
  }
}
