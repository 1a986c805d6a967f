package io.patchwork.manager.api;

import io.patchwork.manager.access.ApiTokens;
import io.patchwork.manager.access.Principal;
import io.patchwork.manager.error.ApiError;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * Requires {@code Authorization: Bearer <token>} and puts the caller's {@link Principal} in the
 * routing context; answers 401 otherwise. A token seen recently is checked from memory; others are
 * looked up on a worker thread, never on the event loop.
 */
final class Authentication implements Handler<RoutingContext> {
  static final String PRINCIPAL = "patchwork.principal";
  private static final String BEARER = "Bearer ";

  private final Vertx vertx;
  private final ApiTokens tokens;

  Authentication(Vertx vertx, ApiTokens tokens) {
    this.vertx = vertx;
    this.tokens = tokens;
  }

  /** The authenticated caller of a request that passed this handler. */
  static Principal principal(RoutingContext ctx) {
    return ctx.get(PRINCIPAL);
  }

  @Override
  public void handle(RoutingContext ctx) {
    String header = ctx.request().getHeader("authorization");
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      refuse(
          ctx, ApiError.UNAUTHENTICATED, "send the API token as 'Authorization: Bearer <token>'");
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
