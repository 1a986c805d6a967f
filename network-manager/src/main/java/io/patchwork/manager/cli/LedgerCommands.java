package io.patchwork.manager.cli;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code patchwork ledgers|ledger|connection-profile|certificates|create-ledger|successor}:
 * ledgers, as the operator (or a member admin) sees them.
 */
final class LedgerCommands {
  private LedgerCommands() {}

  @Command(name = "ledgers", description = "List the ledgers the caller may see.")
  static final class Ledgers extends Api.Command {
    @Mixin Api.Output output;

    @Override
    public Integer call() throws Exception {
      JsonObject answer = api.get("/ledgers");
      if (output.printedAsJson(out(), answer)) {
        return 0;
      }
      JsonArray ledgers = answer.getJsonArray("ledgers");
      out().printf("%-24s %-12s %-20s %s%n", "LEDGER", "STATUS", "TEMPLATE", "PARTIES");
      for (int i = 0; i < ledgers.size(); i++) {
        JsonObject ledger = ledgers.getJsonObject(i);
        out()
            .printf(
                "%-24s %-12s %-20s %d%n",
                ledger.getString("id"),
                ledger.getString("status"),
                ledger.getString("template"),
                ledger.getJsonArray("parties").size());
      }
      return 0;
    }
  }

  @Command(
      name = "certificates",
      description =
          "List a ledger's certificates: the root, nodes', admins' and clients', with who they"
              + " name, serial, expiry and status (the operator sees all, a member admin its own"
              + " organisation's).")
  static final class Certificates extends Api.Command {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Option(
        names = "--expiring-within",
        description = "Only certificates in use that expire within this ISO-8601 duration (P30D).")
    Duration within;

    @Mixin Api.Output output;

    @Override
    public Integer call() throws Exception {
      JsonObject answer = api.get("/ledgers/" + ledger + "/certificates");
      if (output.printedAsJson(out(), answer)) {
        return 0;
      }
      JsonArray certificates = answer.getJsonArray("certificates");
      Instant now = Instant.now();
      out()
          .printf(
              "%-8s %-34s %-14s %-16s %-8s %-22s %s%n",
              "KIND", "SERIAL", "NAME", "MSP", "PROFILE", "NOT AFTER", "STATUS");
      for (int i = 0; i < certificates.size(); i++) {
        JsonObject certificate = certificates.getJsonObject(i);
        Instant notAfter = Instant.parse(certificate.getString("notAfter"));
        if (within != null
            && (!certificate.getString("status").equals("VALID")
                || notAfter.isAfter(now.plus(within)))) {
          continue;
        }
        String status = certificate.getString("status");
        if (certificate.containsKey("revocationReason")) {
          status += " (" + certificate.getString("revocationReason") + ")";
        }
        if (certificate.containsKey("renewedBy")) {
          status += " by " + certificate.getString("renewedBy");
        }
        out()
            .printf(
                "%-8s %-34s %-14s %-16s %-8s %-22s %s%n",
                certificate.getString("kind"),
                certificate.getString("serial"),
                certificate.getString("commonName"),
                certificate.getString("mspId"),
                certificate.getString("profile"),
                certificate.getString("notAfter"),
                status);
      }
      return 0;
    }
  }

  @Command(name = "ledger", description = "Show one ledger with its nodes.")
  static final class Show extends Api.Command {
    @Mixin Api.Output output;

    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Override
    public Integer call() throws Exception {
      JsonObject shown = api.get("/ledgers/" + ledger);
      if (output.printedAsJson(out(), shown)) {
        return 0;
      }
      out()
          .printf(
              "%s: %s (template %s, %d parties, config sequence %s)%n",
              shown.getString("id"),
              shown.getString("status"),
              shown.getString("template"),
              shown.getJsonArray("parties").size(),
              shown.getValue("configSequence", "-"));
      if (shown.containsKey("failure")) {
        out().println("failure: " + shown.getString("failure"));
      }
      JsonArray nodes = shown.getJsonArray("nodes", new JsonArray());
      for (int i = 0; i < nodes.size(); i++) {
        JsonObject node = nodes.getJsonObject(i);
        String instance = node.getString("instance", "");
        out()
            .printf(
                "  %-10s %-8s %-16s %-22s height %s%s%s%n",
                node.getString("id"),
                node.getString("kind"),
                node.getString("mspId", ""),
                node.getString("endpoint", ""),
                node.containsKey("height") ? node.getLong("height").toString() : "?",
                node.getBoolean("leader", false) ? "  (Raft leader)" : "",
                instance.isEmpty()
                    ? "  run by its member"
                    : instance.equals("local")
                        ? ""
                        : node.getBoolean("reachable", true)
                            ? "  on instance " + instance
                            : "  on instance " + instance + ", which does not answer");
      }
      return 0;
    }
  }

  @Command(
      name = "connection-profile",
      description =
          "Write a member's connection profile with the endpoints its peers run at now (after the"
              + " instance running them was lost, another one runs them on its own addresses).")
  static final class ConnectionProfile extends Api.Command {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Option(names = "--msp-id", description = "The member (operator only; a member gets its own).")
    String mspId;

    @Option(
        names = "--out",
        required = true,
        description = "The file to write, e.g. the join folder's connection-profile.json.")
    Path out;

    @Override
    public Integer call() throws Exception {
      String query =
          mspId == null ? "" : "?mspId=" + URLEncoder.encode(mspId, StandardCharsets.UTF_8);
      JsonObject profile = api.get("/ledgers/" + ledger + "/connection-profile" + query);
      Path fresh = out.resolveSibling(out.getFileName() + ".new");
      Files.writeString(fresh, profile.encodePrettily());
      Files.move(fresh, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      JsonArray peers = profile.getJsonArray("peers");
      out()
          .printf(
              "wrote %s: %d peers, first %s%n",
              out,
              peers.size(),
              peers.isEmpty() ? "-" : peers.getJsonObject(0).getString("endpoint"));
      return 0;
    }
  }

  @Command(
      name = "create-ledger",
      description =
          "Create a ledger from a template (operator); with --from-fabric, from an existing Fabric"
              + " channel's config block: the channel's organisations, MSP ids and certificates.")
  static final class CreateLedger extends Api.Command {
    private static final Pattern BLOCK_FILE = Pattern.compile(".*?(\\d+)\\.block");

    @Parameters(index = "0", description = "The ledger's name (its id).")
    String name;

    @Option(names = "--template", required = true)
    String template;

    @Option(
        names = "--party",
        description =
            "A party as 'Organisation:MSPID'; repeat for each. Required unless --from-fabric is"
                + " given; then it names the channel's organisations (by MSP id otherwise).")
    List<String> parties = new ArrayList<>();

    @Option(
        names = "--from-fabric",
        paramLabel = "CONFIG_BLOCK",
        description =
            "A Fabric channel's config block, as 'peer channel fetch config' saves it: the ledger"
                + " gets the channel's organisations under the same MSP ids, trusting their Fabric"
                + " CAs, and the channel's endorsement policy.")
    Path fabricConfigBlock;

    @Option(
        names = "--fabric-blocks",
        paramLabel = "DIR",
        description =
            "With --from-fabric: the channel's blocks from block 0, one file each named"
                + " '<number>.block' (or ending so: 'mychannel_7.block'), as 'peer channel fetch N'"
                + " saves them from a peer; the ledger starts with the world state they leave.")
    Path fabricBlocks;

    @Option(
        names = "--chaincode",
        paramLabel = "NAME=PACKAGE",
        description =
            "Fabric chaincode the ledger pins and its hosted peers run: its name and its"
                + " chaincode-as-a-service package (.tar.gz with metadata.json and connection.json);"
                + " repeatable.")
    Map<String, Path> chaincode = new LinkedHashMap<>();

    @Option(names = "--set", description = "An override as 'field.path=value'; repeatable.")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
      if (parties.isEmpty() && fabricConfigBlock == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "name the parties (--party) or a Fabric channel (--from-fabric)");
      }
      JsonArray list = new JsonArray();
      for (String party : parties) {
        int colon = party.lastIndexOf(':');
        if (colon <= 0 || colon == party.length() - 1) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--party '" + party + "' is not 'Organisation:MSPID'");
        }
        list.add(
            new JsonObject()
                .put("organization", party.substring(0, colon))
                .put("mspId", party.substring(colon + 1)));
      }
      JsonObject set = new JsonObject();
      for (String override : overrides) {
        int equals = override.indexOf('=');
        if (equals <= 0) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--set '" + override + "' is not 'field.path=value'");
        }
        set.put(override.substring(0, equals), override.substring(equals + 1));
      }
      JsonObject request =
          new JsonObject()
              .put("name", name)
              .put("template", template)
              .put("parties", list)
              .put("overrides", set);
      if (fabricConfigBlock != null) {
        if (!Files.isRegularFile(fabricConfigBlock)) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--from-fabric " + fabricConfigBlock + " is not a file");
        }
        request.put(
            "fabricConfigBlock",
            Base64.getEncoder().encodeToString(Files.readAllBytes(fabricConfigBlock)));
      }
      if (fabricBlocks != null) {
        if (fabricConfigBlock == null) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--fabric-blocks goes with --from-fabric");
        }
        JsonArray blocks = new JsonArray();
        for (Path block : blockFiles(fabricBlocks)) {
          blocks.add(Base64.getEncoder().encodeToString(Files.readAllBytes(block)));
        }
        request.put("fabricBlocks", blocks);
      }
      if (!chaincode.isEmpty()) {
        JsonArray entries = new JsonArray();
        for (Map.Entry<String, Path> entry : chaincode.entrySet()) {
          if (!Files.isRegularFile(entry.getValue())) {
            throw new CommandLine.ParameterException(
                spec.commandLine(), "--chaincode " + entry.getValue() + " is not a file");
          }
          entries.add(
              new JsonObject()
                  .put("name", entry.getKey())
                  .put(
                      "package",
                      Base64.getEncoder().encodeToString(Files.readAllBytes(entry.getValue()))));
        }
        request.put("chaincode", entries);
      }
      JsonObject created = api.post("/ledgers", request);
      out()
          .printf(
              "ledger %s is %s; follow it with: patchwork ledger %s%n",
              created.getString("id"), created.getString("status"), created.getString("id"));
      return 0;
    }

    /** The block files of a directory, by the block number ending their names, from 0 on. */
    private List<Path> blockFiles(Path directory) throws IOException {
      if (!Files.isDirectory(directory)) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--fabric-blocks " + directory + " is not a directory");
      }
      TreeMap<Long, Path> numbered = new TreeMap<>();
      try (Stream<Path> files = Files.list(directory)) {
        for (Path file : (Iterable<Path>) files::iterator) {
          Matcher name = BLOCK_FILE.matcher(file.getFileName().toString());
          if (name.matches() && numbered.put(Long.parseLong(name.group(1)), file) != null) {
            throw new CommandLine.ParameterException(
                spec.commandLine(), "--fabric-blocks holds block " + name.group(1) + " twice");
          }
        }
      }
      long expected = 0;
      for (long number : numbered.keySet()) {
        if (number != expected++) {
          throw new CommandLine.ParameterException(
              spec.commandLine(),
              "--fabric-blocks "
                  + directory
                  + " lacks block "
                  + (expected - 1)
                  + ": it needs"
                  + " every block from 0");
        }
      }
      if (numbered.isEmpty()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--fabric-blocks " + directory + " holds no '<number>.block' file");
      }
      return List.copyOf(numbered.values());
    }
  }

  @Command(
      name = "successor",
      description =
          "Start a new ledger that carries an archived one on: same template, its members at close,"
              + " its closing positions and token balances (operator).")
  static final class Successor extends Api.Command {
    @Parameters(index = "0", description = "The archived ledger.")
    String predecessor;

    @Parameters(index = "1", description = "The new ledger's name (its id).")
    String name;

    @Override
    public Integer call() throws Exception {
      JsonObject created =
          api.post("/ledgers/" + predecessor + "/successor", new JsonObject().put("name", name));
      out()
          .printf(
              "ledger %s carries %s on and is %s; follow it with: patchwork ledger %s%n",
              created.getString("id"),
              predecessor,
              created.getString("status"),
              created.getString("id"));
      return 0;
    }
  }
}
