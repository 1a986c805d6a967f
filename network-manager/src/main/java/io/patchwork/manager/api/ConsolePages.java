package io.patchwork.manager.api;

import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The console: the operator's and members' web pages, served from the jar at {@code /} beside the
 * API they call. Every response carries a strict Content-Security-Policy — scripts, styles and
 * connections from this origin only, no inline script, no framing — so a name or contract value
 * that holds markup can never run, even if a page rendered it as HTML (they render text only).
 */
final class ConsolePages {
  /** Only this origin's files; nothing inline, nothing framed, no forms posted elsewhere. */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:;"
          + " connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

  private ConsolePages() {}

  /** Puts the security headers on every response; mount before any other route. */
  static void secureEveryResponse(Router router) {
    router.route().handler(ConsolePages::securityHeaders);
  }

  /**
   * Serves the pages ({@code /}, {@code /join.html}, {@code /member.html}) and their assets (under
   * {@code /assets/}) to GET and HEAD; mount after every API route. Only these paths: any other
   * stays the API's (an unknown one is 404 NOT_FOUND, whatever the method).
   */
  static void serve(Router router) {
    // A pattern, not a route per page: the handler then looks the whole path up in its root.
    router
        .routeWithRegex("/|/index\\.html|/join\\.html|/member\\.html")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(handler("console"));
    // Under a route ending in *, the handler looks the rest of the path up in its own root.
    router
        .route("/assets/*")
        .method(HttpMethod.GET)
        .method(HttpMethod.HEAD)
        .handler(handler("console/assets"));
  }

  private static StaticHandler handler(String root) {
    return StaticHandler.create(root)
        .setCachingEnabled(false)
        .setDirectoryListing(false)
        .setIncludeHidden(false)
        .setIndexPage("index.html");
  }

  private static void securityHeaders(RoutingContext ctx) {
    ctx.response()
        .putHeader("content-security-policy", CONTENT_SECURITY_POLICY)
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("x-frame-options", "DENY")
        // Invite links carry their token in the fragment, which browsers never send; no referrer
        // either, so no page address leaves for another site.
        .putHeader("referrer-policy", "no-referrer")
        .putHeader("cross-origin-opener-policy", "same-origin");
    ctx.next();
  }
}
