package io.patchwork.manager.api;

import io.patchwork.ca.Pem;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.ledger.LedgerService;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.web.RoutingContext;
import java.security.cert.CertificateEncodingException;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In cluster mode, any instance serves the API: a request about a ledger another instance runs is
 * passed to that instance as it came (method, path, headers, body) and its answer passed back.
 * Requests about ledgers this instance runs, or that nobody runs, go on to the local routes.
 */
final class Forwarding implements Handler<RoutingContext> {
  private static final Logger log = LoggerFactory.getLogger(Forwarding.class);
  static final String FORWARDED = "x-patchwork-forwarded-by";

  /**
   * The member's client certificate (base64 DER) of a request the forwarding instance took without
   * a token. The receiving instance believes it only from a connection whose own client certificate
   * is an instance's ({@link Authentication}).
   */
  static final String CLIENT_CERTIFICATE = "x-patchwork-client-certificate";

  private final Vertx vertx;
  private final LedgerService ledgers;
  private final HttpClient client;

  /**
   * Forwards over HTTPS to instances whose certificates {@code tls}'s authority issued (cluster
   * mode over HTTPS needs one authority for every instance), presenting this instance's own
   * certificate, plain HTTP otherwise.
   */
  Forwarding(Vertx vertx, LedgerService ledgers, Optional<ApiTls> tls) {
    this.vertx = vertx;
    this.ledgers = ledgers;
    HttpClientOptions options = new HttpClientOptions();
    tls.filter(identity -> identity.authority().isPresent())
        .ifPresent(
            identity ->
                options
                    .setSsl(true)
                    .setVerifyHost(true)
                    .setTrustOptions(
                        new PemTrustOptions()
                            .addCertValue(
                                Buffer.buffer(Pem.certificate(identity.authority().orElseThrow()))))
                    .setKeyCertOptions(
                        new PemKeyCertOptions()
                            .addCertValue(Buffer.buffer(identity.certificateChainPem()))
                            .addKeyValue(Buffer.buffer(identity.keyPem()))));
    this.client = vertx.createHttpClient(options);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (id == null
        || ledgers.running(id).isPresent()
        || ctx.request().getHeader(FORWARDED) != null) {
      ctx.next();
      return;
    }
    vertx
        .executeBlocking(
            () -> {
              Optional<String> owner = ledgers.runElsewhere(id);
              return owner.isEmpty()
                  ? Optional.<String>empty()
                  : ledgers.registry().url(owner.get());
            },
            false)
        .onSuccess(
            url -> {
              if (url.isEmpty()) {
                ctx.next();
              } else {
                forward(ctx, url.get());
              }
            })
        .onFailure(ctx::fail);
  }

  private void forward(RoutingContext ctx, String base) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().headers());
    headers.remove("host").remove("content-length").remove("connection");
    headers.remove(CLIENT_CERTIFICATE);
    headers.set(FORWARDED, ledgers.instance());
    if (ctx.request().getHeader("authorization") == null) {
      // Signed in with a certificate: the instance running the ledger checks it, not this one.
      Authentication.clientCertificate(ctx)
          .ifPresent(
              certificate -> {
                try {
                  headers.set(
                      CLIENT_CERTIFICATE,
                      Base64.getEncoder().encodeToString(certificate.getEncoded()));
                } catch (CertificateEncodingException e) {
                  log.warn("api.forward_certificate_unreadable reason=\"{}\"", e.getMessage());
                }
              });
    }
    Buffer body =
        ctx.body() == null || ctx.body().buffer() == null ? Buffer.buffer() : ctx.body().buffer();
    client
        .request(
            new RequestOptions()
                .setMethod(ctx.request().method())
                .setAbsoluteURI(base + ctx.request().uri())
                .setHeaders(headers))
        .compose(request -> request.send(body))
        .compose(
            response ->
                response
                    .body()
                    .map(
                        answer -> {
                          ctx.response().setStatusCode(response.statusCode());
                          response
                              .headers()
                              .forEach(
                                  (name, value) -> {
                                    if (!name.equalsIgnoreCase("content-length")
                                        && !name.equalsIgnoreCase("transfer-encoding")
                                        && !name.equalsIgnoreCase("connection")) {
                                      ctx.response().putHeader(name, value);
                                    }
                                  });
                          return answer;
                        }))
        .onSuccess(answer -> ctx.response().end(answer))
        .onFailure(
            failure -> {
              log.warn(
                  "api.forward_failed path={} to={} reason=\"{}\"",
                  ctx.request().path(),
                  base,
                  failure.getMessage());
              ApiVerticle.error(
                  ctx,
                  ApiError.LEDGER_MOVING,
                  "the manager instance running this ledger does not answer; another instance"
                      + " takes its ledgers over when it leaves the cluster: try again shortly");
            });
  }
}
