package io.patchwork.manager.api;

import io.patchwork.manager.access.ApiTokens;
import io.patchwork.manager.access.Principal;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.manager.ledger.CertificateLogins;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
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
  private final Optional<X509Certificate> instances;

  /**
   * @param instances the authority of the cluster's instances' certificates, if they have one: a
   *     member certificate forwarded by another instance is believed only over a connection that
   *     instance made with a certificate of it
   */
  Authentication(
      Vertx vertx,
      ApiTokens tokens,
      CertificateLogins certificates,
      Optional<X509Certificate> instances) {
    this.vertx = vertx;
    this.tokens = tokens;
    this.certificates = certificates;
    this.instances = instances;
  }

  /** The authenticated caller of a request that passed this handler. */
  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    String forwarded = ctx.request().getHeader(Forwarding.CLIENT_CERTIFICATE);
    if (header == null && forwarded != null) {
      byForwardedCertificate(ctx, forwarded);
      return;
    }
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
        .executeBlocking(() -> tokens.authenticate(token), false)
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

  /**
   * A member's certificate another instance took and passed on with the request: believed only if
   * this connection's own client certificate is an instance's, issued by the instances' authority.
   */
  private void byForwardedCertificate(RoutingContext ctx, String forwarded) {
    Optional<X509Certificate> caller = clientCertificate(ctx);
    if (instances.isEmpty() || caller.isEmpty() || !issuedBy(caller.get(), instances.get())) {
      refuse(
          ctx,
          ApiError.CLIENT_CERTIFICATE_REFUSED,
          "a forwarded client certificate is taken only from another instance of this cluster");
      return;
    }
    X509Certificate member;
    try {
      member =
          (X509Certificate)
              CertificateFactory.getInstance("X.509")
                  .generateCertificate(
                      new ByteArrayInputStream(Base64.getDecoder().decode(forwarded)));
    } catch (CertificateException | IllegalArgumentException e) {
      refuse(
          ctx,
          ApiError.CLIENT_CERTIFICATE_REFUSED,
          "the forwarded client certificate cannot be read");
      return;
    }
    byCertificate(ctx, member);
  }

  private static boolean issuedBy(X509Certificate certificate, X509Certificate authority) {
    try {
      certificate.checkValidity();
      certificate.verify(authority.getPublicKey());
      return certificate.getIssuerX500Principal().equals(authority.getSubjectX500Principal());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** The certificate the TLS client presented, if it presented one. */
  static Optional<X509Certificate> clientCertificate(RoutingContext ctx) {
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
