package io.patchwork.manager.cli;

import com.google.protobuf.ByteString;
import io.patchwork.ca.Pem;
import io.patchwork.ca.Subjects;
import io.patchwork.governance.Choice;
import io.patchwork.node.api.MemberMessages;
import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.config.proto.VotingPolicy;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.host.NodeFiles;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code patchwork proposals|propose|vote}: member decisions, signed here with the member admin's
 * MSP folder or, for a member that keeps its admin identity with the manager, signed there.
 */
final class GovernanceCommands {
  private GovernanceCommands() {}

  @Command(name = "proposals", description = "List a ledger's proposals.")
  static final class Proposals extends Api.Command {
    @Mixin Api.Output output;

    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Override
    public Integer call() throws Exception {
      JsonObject answer = api.get("/ledgers/" + ledger + "/proposals");
      if (output.printedAsJson(out(), answer)) {
        return 0;
      }
      JsonArray proposals = answer.getJsonArray("proposals");
      for (int i = 0; i < proposals.size(); i++) {
        JsonObject proposal = proposals.getJsonObject(i);
        out()
            .printf(
                "%s  %-12s %-16s by %-12s yes %s no %s of %s%n",
                proposal.getString("id"),
                proposal.getString("status"),
                proposal.getJsonObject("action").getString("kind"),
                proposal.getString("proposer"),
                proposal.getValue("yes", "-"),
                proposal.getValue("no", "-"),
                proposal.getValue("eligible", "-"));
      }
      return 0;
    }
  }

  @Command(
      name = "propose",
      description =
          "Propose a change, signed here with the admin MSP folder (or by the manager, for a"
              + " member that keeps its admin identity there).")
  static final class Propose extends Api.Command {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @CommandLine.ArgGroup(multiplicity = "1")
    Action action;

    static final class Action {
      @Option(names = "--add-member", description = "'Organisation:MSPID' to vote in.")
      String add;

      @Option(names = "--remove-member", description = "The MSP id to vote out.")
      String remove;

      @Option(
          names = "--add-orderer",
          description =
              "An orderer folder of ours (msp/, tls/; 'join --with-orderer' writes one) to vote"
                  + " into the ordering group, with --orderer-host, --orderer-port and"
                  + " --orderer-raft-port. Signed here only.")
      Path addOrderer;

      @Option(
          names = "--remove-orderer",
          description = "The node id of an orderer to take out of the ordering group.")
      String removeOrderer;

      @Option(names = "--close", description = "Close the ledger (then settle).")
      boolean close;

      @Option(
          names = "--change-policy",
          description =
              "Change policies: with --threshold/--comparator/--quorum/--voting-duration (the"
                  + " voting policy), --endorsing-organizations, --max-transactions,"
                  + " --commit-status.")
      boolean changePolicy;

      @Option(
          names = "--revoke",
          split = ",",
          description =
              "Certificate serials (hex; patchwork certificates lists them) to revoke, with"
                  + " --reason.")
      List<String> revoke;

      @Option(
          names = "--upgrade-contract",
          description =
              "Pin a new version of this contract, with --contract-version and --code-hash.")
      String upgradeContract;

      @Option(
          names = "--replace-authority",
          description =
              "The new authority's root certificate (PEM; 'patchwork authority init' writes"
                  + " root.pem): fire the referee. Signed here only.")
      Path authority;
    }

    @Option(
        names = "--authority-crl",
        description =
            "With --replace-authority: the new authority's CRL (PEM); default: crl.pem beside"
                + " the root certificate.")
    Path authorityCrl;

    @Option(
        names = "--grace",
        defaultValue = "PT1H",
        description =
            "With --replace-authority: how long the old authority's certificates stay valid after"
                + " the decision, as an ISO-8601 duration (default PT1H).")
    java.time.Duration grace;

    @Option(
        names = "--settlement-asset",
        description = "With --close: the asset to settle in (default: the ledger template's).")
    String settlementAsset;

    @Option(
        names = "--orderer-host",
        description = "With --add-orderer: the host name or IP others reach the orderer at.")
    String ordererHost;

    @Option(names = "--orderer-port", description = "With --add-orderer: its Broadcast port.")
    Integer ordererPort;

    @Option(names = "--orderer-raft-port", description = "With --add-orderer: its Raft port.")
    Integer ordererRaftPort;

    @Option(names = "--admin-msp", description = "The member admin's MSP folder, to sign here.")
    Path adminMsp;

    @Option(
        names = "--threshold",
        description = "With --change-policy: the share of all members that must vote yes (1-100).")
    Integer threshold;

    @Option(
        names = "--comparator",
        description = "With --threshold: GREATER_THAN (default) or GREATER_THAN_OR_EQUAL.")
    String comparator;

    @Option(
        names = "--quorum",
        description = "With --threshold: the share of members that must have voted (0-100).")
    Integer quorum;

    @Option(
        names = "--voting-duration",
        description = "With --threshold: how long a proposal stays open (ISO-8601, default PT24H).")
    java.time.Duration votingDuration;

    @Option(
        names = "--endorsing-organizations",
        description = "With --change-policy: how many members must endorse a transaction.")
    Integer endorsingOrganizations;

    @Option(
        names = "--max-transactions",
        description = "With --change-policy: the most transactions in a block.")
    Integer maxTransactions;

    @Option(
        names = "--commit-status",
        description =
            "With --change-policy: when a commit status answers: GATEWAY_PEER (Fabric's meaning),"
                + " ENDORSING_ORGANIZATIONS or ALL_MEMBERS (once their peers committed it too).")
    CommitStatusPolicy.Scope commitStatus;

    @Option(
        names = "--commit-status-timeout",
        description = "With --commit-status: how long to wait for the other peers (default PT5S).")
    java.time.Duration commitStatusTimeout;

    @Option(
        names = "--reason",
        defaultValue = "KEY_COMPROMISE",
        description =
            "With --revoke: KEY_COMPROMISE (default), AFFILIATION_CHANGED, SUPERSEDED, ...")
    String reason;

    @Option(names = "--contract-version", description = "With --upgrade-contract: its version.")
    String contractVersion;

    @Option(
        names = "--code-hash",
        description = "With --upgrade-contract: the SHA-256 of its code, 64 hex digits.")
    String codeHash;

    @Override
    public Integer call() throws Exception {
      GovernanceProposal.Builder proposal = GovernanceProposal.newBuilder();
      JsonObject json = new JsonObject();
      if (action.add != null) {
        int colon = action.add.lastIndexOf(':');
        if (colon <= 0) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--add-member '" + action.add + "' is not 'Organisation:MSPID'");
        }
        String organization = action.add.substring(0, colon);
        String mspId = action.add.substring(colon + 1);
        proposal.setAddMember(
            GovernanceProposal.AddMember.newBuilder()
                .setOrganization(organization)
                .setMspId(mspId));
        json.put("kind", "ADD_MEMBER").put("organization", organization).put("mspId", mspId);
      } else if (action.authority != null) {
        if (adminMsp == null) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--replace-authority is signed here: give --admin-msp");
        }
        if (grace.isNegative() || grace.isZero()) {
          throw new CommandLine.ParameterException(spec.commandLine(), "--grace must be positive");
        }
        GovernanceProposal.ReplaceAuthority.Builder replace =
            GovernanceProposal.ReplaceAuthority.newBuilder()
                .setAuthorityCertificate(
                    com.google.protobuf.ByteString.copyFrom(Files.readAllBytes(action.authority)))
                .setGracePeriodMillis(grace.toMillis());
        Path crl =
            authorityCrl != null
                ? authorityCrl
                : action.authority.resolveSibling(AuthorityCommand.CRL);
        if (!Files.isRegularFile(crl)) {
          throw new CommandLine.ParameterException(
              spec.commandLine(),
              "--replace-authority needs the new authority's CRL: --authority-crl, or "
                  + crl
                  + " beside the root certificate");
        }
        replace.setCrl(
            com.google.protobuf.ByteString.copyFrom(
                Pem.readCrl(Files.readString(crl, StandardCharsets.US_ASCII)).getEncoded()));
        proposal.setReplaceAuthority(replace);
      } else if (action.addOrderer != null) {
        if (adminMsp == null
            || ordererHost == null
            || ordererPort == null
            || ordererRaftPort == null) {
          throw new CommandLine.ParameterException(
              spec.commandLine(),
              "--add-orderer needs --orderer-host, --orderer-port, --orderer-raft-port and"
                  + " --admin-msp (it is signed here)");
        }
        proposal.setAddOrderer(
            GovernanceProposal.AddOrderer.newBuilder()
                .setOrderer(
                    ordererEntry(action.addOrderer, ordererHost, ordererPort, ordererRaftPort)));
      } else if (action.removeOrderer != null) {
        proposal.setRemoveOrderer(
            GovernanceProposal.RemoveOrderer.newBuilder().setNodeId(action.removeOrderer));
        json.put("kind", "REMOVE_ORDERER").put("nodeId", action.removeOrderer);
      } else if (action.changePolicy) {
        proposal.setChangePolicy(changePolicy(json));
      } else if (action.upgradeContract != null) {
        proposal.setUpgradeContract(upgradeContract(json));
      } else if (action.revoke != null) {
        json.put("kind", "REVOKE_CERTIFICATES")
            .put("serials", new JsonArray(action.revoke))
            .put("reason", reason);
        if (adminMsp != null) {
          StringBuilder query = new StringBuilder("?reason=").append(reason);
          action.revoke.forEach(serial -> query.append("&serial=").append(serial));
          JsonObject crl = api.get("/ledgers/" + ledger + "/revocation-crl" + query);
          proposal.setRevokeCertificates(
              GovernanceProposal.RevokeCertificates.newBuilder()
                  .setCrl(
                      com.google.protobuf.ByteString.copyFrom(
                          Base64.getDecoder().decode(crl.getString("crl")))));
        }
      } else if (action.remove != null) {
        GovernanceProposal.RemoveMember.Builder remove =
            GovernanceProposal.RemoveMember.newBuilder().setMspId(action.remove);
        if (adminMsp != null) {
          // Signed here: the proposal carries the authority's CRL revoking the member — unless
          // the members replaced the manager's authority (theirs revokes).
          try {
            JsonObject crl =
                api.get("/ledgers/" + ledger + "/members/" + action.remove + "/removal-crl");
            remove.setCrl(
                com.google.protobuf.ByteString.copyFrom(
                    Base64.getDecoder().decode(crl.getString("crl"))));
          } catch (Api.ApiException e) {
            if (!e.getMessage().startsWith("AUTHORITY_REPLACED")) {
              throw e;
            }
          }
        }
        proposal.setRemoveMember(remove);
        json.put("kind", "REMOVE_MEMBER").put("mspId", action.remove);
      } else {
        GovernanceProposal.CloseLedger.Builder close = GovernanceProposal.CloseLedger.newBuilder();
        json.put("kind", "CLOSE_LEDGER");
        if (settlementAsset != null) {
          close.setSettlementAsset(settlementAsset);
          json.put("settlementAsset", settlementAsset);
        } else if (adminMsp != null) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--close signed here needs --settlement-asset");
        }
        proposal.setCloseLedger(close);
      }
      JsonObject body;
      if (adminMsp == null) {
        body = new JsonObject().put("action", json);
      } else {
        NodeSigner admin = Api.signer(adminMsp);
        JsonObject shown = api.get("/ledgers/" + ledger);
        SignedGovernanceProposal signed =
            MemberMessages.propose(
                proposal
                    .setLedgerId(ledger)
                    .setConfigSequence(shown.getLong("configSequence"))
                    .setProposerMspId(admin.mspId())
                    .setCreatedAtMillis(System.currentTimeMillis())
                    .build(),
                admin);
        body =
            new JsonObject()
                .put("signedProposal", Base64.getEncoder().encodeToString(signed.toByteArray()));
      }
      JsonObject recorded = api.post("/ledgers/" + ledger + "/proposals", body);
      out()
          .printf(
              "proposal %s recorded: %s%n", recorded.getString("id"), recorded.getString("status"));
      return 0;
    }

    /** What --change-policy and its options name: the proposal's part, and the API's action. */
    private GovernanceProposal.ChangePolicy changePolicy(JsonObject json) throws Exception {
      if (threshold == null
          && endorsingOrganizations == null
          && maxTransactions == null
          && commitStatus == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--change-policy needs --threshold, --endorsing-organizations, --max-transactions or"
                + " --commit-status");
      }
      GovernanceProposal.ChangePolicy.Builder change = GovernanceProposal.ChangePolicy.newBuilder();
      json.put("kind", "CHANGE_POLICY");
      if (threshold != null) {
        VotingPolicy.Comparator chosen;
        try {
          chosen =
              VotingPolicy.Comparator.valueOf(comparator == null ? "GREATER_THAN" : comparator);
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(
              spec.commandLine(), "--comparator is GREATER_THAN or GREATER_THAN_OR_EQUAL");
        }
        java.time.Duration open =
            votingDuration == null ? java.time.Duration.ofHours(24) : votingDuration;
        int quorumPercent = quorum == null ? 0 : quorum;
        json.put(
            "voting",
            new JsonObject()
                .put("thresholdPercent", threshold)
                .put("comparator", chosen.name())
                .put("quorumPercent", quorumPercent)
                .put("duration", open.toString()));
        // Signed here, the proposal names the next version of the policy in force; the manager
        // fills it in for one it signs.
        long version =
            adminMsp == null
                ? 0
                : api.get("/ledgers/" + ledger).getJsonObject("voting").getLong("version") + 1;
        change.setVoting(
            VotingPolicy.newBuilder()
                .setThresholdPercent(threshold)
                .setComparator(chosen)
                .setQuorumPercent(quorumPercent)
                .setDurationMillis(open.toMillis())
                .setVersion(version));
      }
      if (endorsingOrganizations != null) {
        change.setEndorsingOrganizations(endorsingOrganizations);
        json.put("endorsingOrganizations", endorsingOrganizations);
      }
      if (maxTransactions != null) {
        change.setMaxTransactionsPerBlock(maxTransactions);
        json.put("maxTransactionsPerBlock", maxTransactions);
      }
      if (commitStatus != null) {
        if (commitStatus == CommitStatusPolicy.Scope.UNRECOGNIZED) {
          throw new CommandLine.ParameterException(
              spec.commandLine(),
              "--commit-status is GATEWAY_PEER, ENDORSING_ORGANIZATIONS or ALL_MEMBERS");
        }
        java.time.Duration wait =
            commitStatusTimeout == null ? java.time.Duration.ofSeconds(5) : commitStatusTimeout;
        change.setCommitStatus(
            CommitStatusPolicy.newBuilder()
                .setScope(commitStatus)
                .setTimeoutMillis(wait.toMillis()));
        json.put(
            "commitStatus",
            new JsonObject().put("scope", commitStatus.name()).put("timeout", wait.toString()));
      }
      return change.build();
    }

    /** What --upgrade-contract and its options name: the proposal's part, and the API's action. */
    private GovernanceProposal.UpgradeContract upgradeContract(JsonObject json) {
      if (contractVersion == null || codeHash == null) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--upgrade-contract needs --contract-version and --code-hash");
      }
      byte[] hash;
      try {
        hash = java.util.HexFormat.of().parseHex(codeHash);
      } catch (IllegalArgumentException e) {
        hash = new byte[0];
      }
      if (hash.length != 32) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "--code-hash is a SHA-256: 64 hexadecimal digits");
      }
      json.put("kind", "UPGRADE_CONTRACT")
          .put("contract", action.upgradeContract)
          .put("version", contractVersion)
          .put("codeHash", codeHash);
      return GovernanceProposal.UpgradeContract.newBuilder()
          .setContract(action.upgradeContract)
          .setVersion(contractVersion)
          .setCodeHash(com.google.protobuf.ByteString.copyFrom(hash))
          .build();
    }
  }

  /**
   * The config entry of an orderer from its folder: node id (its signing certificate's common name)
   * and MSP id (its organizationIdentifier) from the certificate, the certificates as PEM.
   */
  static Orderer ordererEntry(Path folder, String host, int port, int raftPort) throws Exception {
    String signingPem =
        Files.readString(folder.resolve(NodeFiles.MSP).resolve(NodeFiles.SIGNING_CERTIFICATE));
    String tlsPem =
        Pem.certificate(
            Pem.readCertificates(
                    Files.readString(
                        folder.resolve(NodeFiles.TLS).resolve(NodeFiles.TLS_CERTIFICATE)))
                .get(0));
    X509Certificate signing = Pem.readCertificates(signingPem).get(0);
    String nodeId = "";
    for (Rdn rdn : new LdapName(signing.getSubjectX500Principal().getName()).getRdns()) {
      if (rdn.getType().equalsIgnoreCase("CN")) {
        nodeId = String.valueOf(rdn.getValue());
      }
    }
    return Orderer.newBuilder()
        .setNodeId(nodeId)
        .setMspId(Subjects.mspIdOf(signing).orElse(""))
        .setHost(host)
        .setPort(port)
        .setRaftPort(raftPort)
        .setSigningCertificate(ByteString.copyFromUtf8(Pem.certificate(signing)))
        .setTlsCertificate(ByteString.copyFromUtf8(tlsPem))
        .build();
  }

  @Command(name = "vote", description = "Vote on a proposal, signed as for propose.")
  static final class Vote extends Api.Command {
    @Parameters(index = "0", description = "The ledger id.")
    String ledger;

    @Parameters(index = "1", description = "The proposal id.")
    String proposal;

    @Parameters(index = "2", description = "yes or no.")
    String choice;

    @Option(names = "--admin-msp", description = "The member admin's MSP folder, to sign here.")
    Path adminMsp;

    @Override
    public Integer call() throws Exception {
      Choice chosen;
      try {
        chosen = Choice.valueOf(choice.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), "vote yes or no");
      }
      String path = "/ledgers/" + ledger + "/proposals/" + proposal;
      JsonObject body;
      if (adminMsp == null) {
        body = new JsonObject().put("choice", chosen.name());
      } else {
        JsonObject shown = api.get(path);
        SignedGovernanceProposal signed =
            SignedGovernanceProposal.parseFrom(
                Base64.getDecoder().decode(shown.getString("signedProposal")));
        GovernanceBallot ballot =
            MemberMessages.vote(signed, Api.signer(adminMsp), chosen, Instant.now());
        body =
            new JsonObject()
                .put("ballot", Base64.getEncoder().encodeToString(ballot.toByteArray()));
      }
      JsonObject after = api.post(path + "/ballots", body);
      out()
          .printf(
              "voted %s on %s: %s (yes %s, no %s of %s)%n",
              chosen.name().toLowerCase(Locale.ROOT),
              proposal,
              after.getString("status"),
              after.getValue("yes", "-"),
              after.getValue("no", "-"),
              after.getValue("eligible", "-"));
      return 0;
    }
  }
}
