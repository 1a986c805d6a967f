package io.patchwork.manager.api;

import io.patchwork.manager.access.ApiTokens;
import io.patchwork.manager.access.Principal;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.manager.ledger.CertificateLogins;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Requires {@code Authorization: Bearer <token>} — or, over HTTPS without a token, a member admin's
 * client certificate — and puts the caller's {@link Principal} in the routing context; answers 401
 * otherwise. A token seen recently is checked from memory; other tokens and every certificate are
 * checked on a worker thread, never on the event loop.
 */
final class Authentication implements Handler<RoutingContext> {
  static final String PRINCIPAL = "patchwork.principal";
  private static final String BEARER = "Bearer ";

  private final Vertx vertx;
  private final ApiTokens tokens;
  private final CertificateLogins certificates;

  Authentication(Vertx vertx, ApiTokens tokens, CertificateLogins certificates) {
    this.vertx = vertx;
    this.tokens = tokens;
    this.certificates = certificates;
  }

  /** The authenticated caller of a request that passed this handler. */
  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    if (header == null) {
      Optional<X509Certificate> certificate = clientCertificate(ctx);
      if (certificate.isPresent()) {
        byCertificate(ctx, certificate.get());
        return;
      }
    }
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      refuse(
          ctx,
          ApiError.UNAUTHENTICATED,
          "send the API token as 'Authorization: Bearer <token>'"
              + (ctx.request().isSSL() ? " or present a member admin's certificate" : ""));
      return;
    }
    String token = header.substring(BEARER.length()).strip();
    Optional<Principal> known = tokens.cached(token);
    if (known.isPresent()) {
      ctx.put(PRINCIPAL, known.get());
      ctx.next();
      return;
    }
    vertx
        .executeBlocking(() -> tokens.authenticate(token))
        .onSuccess(
            principal -> {
              if (principal.isEmpty()) {
                refuse(ctx, ApiError.INVALID_TOKEN, "the API token is unknown or revoked");
              } else {
                ctx.put(PRINCIPAL, principal.get());
                ctx.next();
              }
            })
        .onFailure(ctx::fail);
  }

  /** The certificate the TLS client presented, if it presented one. */
  private static Optional<X509Certificate> clientCertificate(RoutingContext ctx) {
    if (!ctx.request().isSSL()) {
      return Optional.empty();
    }
    try {
      List<Certificate> chain = ctx.request().connection().peerCertificates();
      return chain.isEmpty() || !(chain.get(0) instanceof X509Certificate leaf)
          ? Optional.empty()
          : Optional.of(leaf);
    } catch (SSLPeerUnverifiedException none) {
      return Optional.empty();
    }
  }

  private void byCertificate(RoutingContext ctx, X509Certificate certificate) {
    vertx
        .executeBlocking(() -> certificates.authenticate(certificate), false)
        .onSuccess(
            principal -> {
              ctx.put(PRINCIPAL, principal);
              ctx.next();
            })
        .onFailure(
            failure -> {
              if (failure instanceof Refusal refused) {
                ctx.response().putHeader("www-authenticate", "Bearer realm=\"patchwork\"");
                ApiVerticle.refuse(ctx, refused);
              } else {
                ctx.fail(failure);
              }
            });
  }

  private static void refuse(RoutingContext ctx, ApiError error, String message) {
    ctx.response().putHeader("www-authenticate", "Bearer realm=\"patchwork\"");
    ApiVerticle.error(ctx, error, message);
  }

  /**
   * Answers 403 FORBIDDEN unless the caller is the operator or a member of the ledger.
   *
   * @return whether it refused (the route then stops)
   */
  static boolean refuseUnlessMember(RoutingContext ctx, String id) {
    if (principal(ctx).maySee(id)) {
      return false;
    }
    ApiVerticle.error(ctx, ApiError.FORBIDDEN, "the caller is not a member of ledger " + id);
    return true;
  }
}
