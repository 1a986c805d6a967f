package io.patchwork.manager.api;

import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.ledger.Settlement;
import io.patchwork.node.config.proto.Amount;
import io.patchwork.node.config.proto.AssetSettlement;
import io.patchwork.node.config.proto.SettlementStatement;
import io.patchwork.node.config.proto.SettlementTransfer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * {@code /ledgers/{id}/settle} and {@code /ledgers/{id}/statement}: the operator settles a ledger
 * its members voted to close; anyone of the ledger reads the statement it ended with.
 */
final class SettlementRoutes {
  private final Vertx vertx;
  private final Settlement settlement;

  SettlementRoutes(Vertx vertx, Settlement settlement) {
    this.vertx = vertx;
    this.settlement = settlement;
  }

  void settle(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (!Authentication.principal(ctx).isOperator()) {
      ApiVerticle.error(
          ctx, ApiError.FORBIDDEN, "the operator settles a ledger its members closed");
      return;
    }
    vertx
        .executeBlocking(() -> settlement.settle(id), false)
        .onSuccess(
            outcome ->
                ctx.json(
                    json(outcome.statement())
                        .put("status", "ARCHIVED")
                        .put(
                            "archive",
                            new JsonObject()
                                .put("download", "/ledgers/" + id + "/archive")
                                .put("bytes", outcome.archiveBytes()))))
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  void statement(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    vertx
        .executeBlocking(() -> settlement.statement(id), false)
        .onSuccess(
            signed -> {
              if (signed.isEmpty()) {
                ApiVerticle.error(
                    ctx, ApiError.NO_STATEMENT, "ledger " + id + " has not ended with a statement");
                return;
              }
              try {
                ctx.json(
                    json(SettlementStatement.parseFrom(signed.get().getStatement()))
                        .put("signatures", signed.get().getSignaturesCount()));
              } catch (InvalidProtocolBufferException e) {
                ctx.fail(e);
              }
            })
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  /** {@code GET /ledgers/{id}/archive}: the archive file of an archived ledger. */
  void archive(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    Path file = settlement.archiveFile(id);
    vertx
        .executeBlocking(() -> Files.isRegularFile(file), false)
        .onSuccess(
            exists -> {
              if (!exists) {
                ApiVerticle.error(ctx, ApiError.NO_ARCHIVE, "ledger " + id + " has no archive");
                return;
              }
              ctx.response()
                  .putHeader("content-type", "application/zip")
                  .putHeader("content-disposition", "attachment; filename=\"" + id + ".archive\"")
                  .sendFile(file.toString());
            })
        .onFailure(ctx::fail);
  }

  /**
   * {@code GET /ledgers/{id}/archive/verification}: the served archive checked offline, with its
   * SHA-256 so a downloaded copy can be matched to it.
   */
  void archiveVerification(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    if (Authentication.refuseUnlessMember(ctx, id)) {
      return;
    }
    vertx
        .executeBlocking(() -> settlement.verifyArchive(id), false)
        .onSuccess(
            verification -> {
              JsonObject json =
                  new JsonObject()
                      .put("ledger", id)
                      .put("verified", verification.check().verified())
                      .put("blocks", verification.check().blocks())
                      .put("sha256", verification.sha256())
                      .put("bytes", verification.bytes());
              verification.check().problem().ifPresent(problem -> json.put("problem", problem));
              ctx.json(json);
            })
        .onFailure(failure -> ApiVerticle.fail(ctx, failure));
  }

  static JsonObject json(SettlementStatement statement) {
    HexFormat hex = HexFormat.of();
    JsonArray assets = new JsonArray();
    for (AssetSettlement asset : statement.getAssetsList()) {
      BigDecimal gross = new BigDecimal(asset.getGross());
      BigDecimal moved = new BigDecimal(asset.getMoved());
      JsonArray transfers = new JsonArray();
      for (SettlementTransfer transfer : asset.getTransfersList()) {
        transfers.add(
            new JsonObject()
                .put("from", transfer.getFromMspId())
                .put("to", transfer.getToMspId())
                .put("amount", transfer.getAmount()));
      }
      assets.add(
          new JsonObject()
              .put("asset", asset.getAsset())
              .put("gross", asset.getGross())
              .put("moved", asset.getMoved())
              .put(
                  "nettingRatio",
                  moved.signum() == 0
                      ? null
                      : gross.divide(moved, 4, RoundingMode.HALF_EVEN).toPlainString())
              .put("fewestTransfersProven", asset.getExact())
              .put("positions", amounts(asset.getPositionsList()))
              .put("transfers", transfers));
    }
    return new JsonObject()
        .put("ledger", statement.getLedgerId())
        .put("finalHeight", statement.getFinalHeight())
        .put("finalBlockHash", hex.formatHex(statement.getFinalBlockHash().toByteArray()))
        .put("stateHash", hex.formatHex(statement.getStateHash().toByteArray()))
        .put("assets", assets)
        .put("tokenBalances", amounts(statement.getTokenBalancesList()));
  }

  private static JsonArray amounts(List<Amount> amounts) {
    JsonArray array = new JsonArray();
    amounts.forEach(
        amount ->
            array.add(
                new JsonObject()
                    .put("mspId", amount.getMspId())
                    .put("amount", amount.getAmount())));
    return array;
  }
}
