package io.patchwork.manager.api;

import io.patchwork.ca.Pem;
import io.patchwork.manager.error.Refusal;
import io.patchwork.manager.ledger.CertificateInventory;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;

/** {@code GET /ledgers/{id}/certificates}: the ledger's certificate inventory. */
final class CertificateRoutes {
  private final Vertx vertx;
  private final CertificateInventory inventory;

  CertificateRoutes(Vertx vertx, CertificateInventory inventory) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.inventory = Objects.requireNonNull(inventory, "inventory");
  }

  void list(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    vertx
        .executeBlocking(() -> inventory.list(Authentication.principal(ctx), id), false)
        .onSuccess(
            entries -> {
              JsonArray list = new JsonArray();
              entries.forEach(entry -> list.add(json(entry)));
              ctx.json(new JsonObject().put("certificates", list));
            })
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  /**
   * {@code POST /ledgers/{id}/certificates/{serial}/renewal} {@code {}} (same key) or {@code
   * {"csr": "<base64 DER or PEM>"}} (new key): the renewed certificate.
   */
  void renew(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String serial = ctx.pathParam("serial");
    Optional<byte[]> csr;
    try {
      JsonBody body = JsonBody.orEmpty(ctx);
      csr = body.optionalString("csr").map(CertificateRoutes::csrBytes);
    } catch (Refusal refused) {
      ApiVerticle.refuse(ctx, refused);
      return;
    } catch (IllegalArgumentException e) {
      ApiVerticle.refuse(ctx, Refusal.malformed("csr", "base64 of a DER CSR, or a PEM CSR"));
      return;
    }
    vertx
        .executeBlocking(
            () -> inventory.renew(Authentication.principal(ctx), id, serial, csr), false)
        .onSuccess(
            renewed ->
                ctx.json(
                    new JsonObject()
                        .put("serial", renewed.serialHex())
                        .put("renews", serial)
                        .put("notAfter", renewed.notAfter().toString())
                        .put("certificate", Pem.certificate(renewed.certificate()))))
        .onFailure(failure -> ApiVerticle.failWithAuthority(ctx, failure));
  }

  private static byte[] csrBytes(String text) {
    String trimmed = text.strip();
    return trimmed.startsWith("-----BEGIN")
        ? Pem.readCertificateRequest(trimmed)
        : Base64.getDecoder().decode(trimmed);
  }

  static JsonObject json(CertificateInventory.Entry entry) {
    JsonObject json =
        new JsonObject()
            .put("kind", entry.kind())
            .put("serial", entry.serial())
            .put("commonName", entry.commonName())
            .put("organization", entry.organization())
            .put("mspId", entry.mspId())
            .put("profile", entry.profile())
            .put("notBefore", entry.notBefore().toString())
            .put("notAfter", entry.notAfter().toString())
            .put("status", entry.status().name());
    entry.revocationReason().ifPresent(reason -> json.put("revocationReason", reason));
    entry.renewedBy().ifPresent(serial -> json.put("renewedBy", serial));
    return json;
  }
}
