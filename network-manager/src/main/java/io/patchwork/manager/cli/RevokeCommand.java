package io.patchwork.manager.cli;

import io.patchwork.ca.Pem;
import io.patchwork.node.api.MemberMessages;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.host.NodeFiles;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code patchwork revoke <ledger> --serial HEX | --msp DIR | --tls DIR [--reason R] [--admin-msp
 * DIR]}: revokes one of the member's own certificates at once, without a vote. Signed by the admin
 * identity the member keeps with the manager, or here with {@code --admin-msp}: the manager hands
 * out the config update, the admin signs it here, the manager submits it.
 */
@Command(
    name = "revoke",
    description =
        "Revoke one of your organisation's own certificates at once, without a vote (a lost"
            + " laptop, a leaked key): every node refuses it from the block the revocation is in."
            + " Another organisation's certificates are revoked by vote: propose --revoke.")
final class RevokeCommand extends Api.Command {
  @Parameters(index = "0", description = "The ledger id.")
  String ledger;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Which which;

  static final class Which {
    @Option(names = "--serial", description = "The certificate's serial, in hexadecimal.")
    String serial;

    @Option(names = "--msp", description = "An MSP folder whose signing certificate to revoke.")
    Path msp;

    @Option(names = "--tls", description = "A TLS folder whose certificate to revoke.")
    Path tls;
  }

  @Option(
      names = "--reason",
      defaultValue = "KEY_COMPROMISE",
      description =
          "KEY_COMPROMISE (default), AFFILIATION_CHANGED, SUPERSEDED, CESSATION_OF_OPERATION,"
              + " PRIVILEGE_WITHDRAWN or UNSPECIFIED.")
  String reason;

  @Option(
      names = "--admin-msp",
      description = "The member admin's MSP folder, to sign here (else the hosted admin signs).")
  Path adminMsp;

  @Override
  public Integer call() throws Exception {
    String serial = serial();
    String path = "/ledgers/" + ledger + "/certificates/" + serial + "/revocation";
    JsonObject body = new JsonObject().put("reason", reason);
    if (adminMsp != null) {
      NodeSigner admin = Api.signer(adminMsp);
      JsonObject update = api.get(path + "?reason=" + reason);
      LedgerConfig next =
          LedgerConfig.parseFrom(Base64.getDecoder().decode(update.getString("config")));
      body.put("config", update.getString("config"))
          .put(
              "signature",
              Base64.getEncoder()
                  .encodeToString(MemberMessages.signConfig(next, admin).toByteArray()));
    }
    JsonObject done = api.post(path, body);
    out()
        .printf(
            "revoked %s: every node refuses it from block %d (config sequence %d)%n",
            done.getString("serial"), done.getLong("block"), done.getLong("configSequence"));
    if (!done.getJsonArray("lapsedProposals").isEmpty()) {
      out()
          .printf(
              "open proposals lapsed with the config change (propose them again): %s%n",
              String.join(", ", done.getJsonArray("lapsedProposals").getList()));
    }
    return 0;
  }

  private String serial() throws Exception {
    if (which.serial != null) {
      return which.serial;
    }
    Path file =
        which.msp != null
            ? which.msp.resolve(NodeFiles.SIGNING_CERTIFICATE)
            : which.tls.resolve(NodeFiles.TLS_CERTIFICATE);
    if (!Files.isRegularFile(file)) {
      throw new CommandLine.ParameterException(
          spec.commandLine(), file + " is not there: name an MSP or a TLS folder");
    }
    return Pem.readCertificates(Files.readString(file, StandardCharsets.US_ASCII))
        .get(0)
        .getSerialNumber()
        .toString(16);
  }
}
