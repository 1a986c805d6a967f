package io.patchwork.manager.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The end of a ledger and the rest the API offers a shell: {@code settle}, {@code statement},
 * {@code archive}, {@code templates} and {@code host-peer}.
 */
final class CloseCommands {
  private CloseCommands() {}

  @Command(
      name = "settle",
      description =
          "Settle a ledger its members voted to close (the operator): the statement becomes its"
              + " last block, then it is archived.")
  static final class Settle extends Api.Command {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Mixin Api.Output output;

    @Override
    public Integer call() throws Exception {
      JsonObject settled = api.post("/ledgers/" + ledger + "/settle", new JsonObject());
      if (!output.printedAsJson(out(), settled)) {
        out().printf("ledger %s is %s%n", ledger, settled.getString("status"));
        Statement.print(out(), settled);
      }
      return 0;
    }
  }

  @Command(name = "statement", description = "The settlement statement a closed ledger ended with.")
  static final class Statement extends Api.Command {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Mixin Api.Output output;

    @Override
    public Integer call() throws Exception {
      JsonObject statement = api.get("/ledgers/" + ledger + "/statement");
      if (!output.printedAsJson(out(), statement)) {
        print(out(), statement);
      }
      return 0;
    }

    static void print(PrintWriter out, JsonObject statement) {
      out.printf(
          "final block %d, hash %s%n",
          statement.getLong("finalHeight"), statement.getString("finalBlockHash"));
      JsonArray assets = statement.getJsonArray("assets");
      for (int i = 0; i < assets.size(); i++) {
        JsonObject asset = assets.getJsonObject(i);
        out.printf(
            "%s: gross %s, moved %s, netting ratio %s%n",
            asset.getString("asset"),
            asset.getString("gross"),
            asset.getString("moved"),
            asset.getValue("nettingRatio"));
        JsonArray positions = asset.getJsonArray("positions");
        for (int p = 0; p < positions.size(); p++) {
          out.printf(
              "  position %-20s %s%n",
              positions.getJsonObject(p).getString("mspId"),
              positions.getJsonObject(p).getString("amount"));
        }
        JsonArray transfers = asset.getJsonArray("transfers");
        for (int t = 0; t < transfers.size(); t++) {
          JsonObject transfer = transfers.getJsonObject(t);
          out.printf(
              "  transfer %s -> %s %s%n",
              transfer.getString("from"), transfer.getString("to"), transfer.getString("amount"));
        }
      }
    }
  }

  @Command(
      name = "archive",
      description =
          "Download an archived ledger's archive, and say what the manager's offline check of it"
              + " found (check it yourself with patchwork node verify-archive).")
  static final class Archive extends Api.Command {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Option(names = "--out", required = true, description = "The file to write (a new file).")
    Path file;

    @Override
    public Integer call() throws Exception {
      if (Files.exists(file)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), file + " exists; name a new file");
      }
      String token =
          api.token()
              .orElseThrow(
                  () -> new IOException("no API token: give --token-file or PATCHWORK_TOKEN"));
      api.download("/ledgers/" + ledger + "/archive", token, file);
      JsonObject check = api.get("/ledgers/" + ledger + "/archive/verification");
      out()
          .printf(
              "wrote %s (%d bytes); the manager's offline check: %s%n",
              file,
              Files.size(file),
              check.getBoolean("verified")
                  ? "verified, " + check.getLong("blocks") + " blocks"
                  : "does NOT verify: " + check.getString("problem"));
      return check.getBoolean("verified") ? 0 : 1;
    }
  }

  @Command(
      name = "templates",
      description = "The ledger templates, or one template with every setting and its limits.")
  static final class Templates extends Api.Command {
    @Parameters(index = "0", arity = "0..1", description = "A template's name.")
    String name;

    @Mixin Api.Output output;

    @Override
    public Integer call() throws Exception {
      JsonObject answer =
          name == null
              ? api.call("GET", "/templates", null, false)
              : api.call("GET", "/templates/" + name, null, false);
      if (output.printedAsJson(out(), answer)) {
        return 0;
      }
      if (name != null) {
        // A template is a nested document: shown as the API gives it.
        out().println(answer.encodePrettily());
        return 0;
      }
      JsonArray templates = answer.getJsonArray("templates");
      for (int i = 0; i < templates.size(); i++) {
        JsonObject template = templates.getJsonObject(i);
        out()
            .printf(
                "%-20s %d-%d parties  %s%n",
                template.getString("name"),
                template.getInteger("minParties"),
                template.getInteger("maxParties"),
                template.getString("description"));
      }
      return 0;
    }
  }

  @Command(
      name = "host-peer",
      description =
          "Start a hosted peer for a member that runs none here (a member admin for its own"
              + " organisation; the operator names one with --msp-id).")
  static final class HostPeer extends Api.Command {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Option(names = "--msp-id", description = "The member (the operator only).")
    String mspId;

    @Mixin Api.Output output;

    @Override
    public Integer call() throws Exception {
      JsonObject body = mspId == null ? new JsonObject() : new JsonObject().put("mspId", mspId);
      JsonObject peer = api.post("/ledgers/" + ledger + "/peers", body);
      if (!output.printedAsJson(out(), peer)) {
        if ("AWAITING_CERTIFICATES".equals(peer.getString("status"))) {
          out()
              .printf(
                  "peer %s waits for the members' authority to certify it (patchwork authority"
                      + " recertify)%n",
                  peer.getString("node"));
        } else {
          out()
              .printf(
                  "peer %s of %s runs at %s, height %d%n",
                  peer.getString("id"),
                  peer.getString("mspId"),
                  peer.getString("endpoint"),
                  peer.getLong("height"));
        }
      }
      return 0;
    }
  }
}
