package io.patchwork.manager.ledger;

import io.patchwork.ca.CertificateAuthority;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
import io.patchwork.node.api.FabricChaincode;
import io.patchwork.node.api.FabricChannelImport;
import io.patchwork.node.api.LedgerError;
import io.patchwork.node.api.LedgerException;
import io.patchwork.node.api.LedgerPlan;
import io.patchwork.node.api.RemoteOrderers;
import io.patchwork.node.config.proto.BlockCutting;
import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.VotingPolicy;
import io.patchwork.templates.LedgerTemplate;
import io.patchwork.templates.TemplateError;
import io.patchwork.templates.TemplateException;
import io.patchwork.templates.Templates;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A request for a new ledger, checked before anything is made — its name, template, overrides and
 * parties, every problem at once by field path — and the plan the node module builds it from.
 */
final class LedgerRequests {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

  /** The longest organisation name a certificate subject takes (the authority's limit). */
  static final int MAX_ORGANIZATION_LENGTH = 64;

  private static final Pattern MSP_ID = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,63}");

  private LedgerRequests() {}

  /**
   * An accepted request: the template with its overrides applied, the parties (a Fabric channel's
   * organisations when the ledger is made from one) and that channel.
   */
  record Checked(
      LedgerTemplate template,
      List<LedgerRecord.Party> parties,
      Optional<FabricChannelImport> imported,
      List<FabricChaincode> chaincode) {}

  /**
   * The template the request makes, with its overrides applied, and its parties.
   *
   * @throws Refusal INVALID_NAME, UNKNOWN_TEMPLATE, INVALID_OVERRIDES, NOT_A_FABRIC_CONFIG_BLOCK,
   *     UNSUPPORTED_FABRIC_CONFIG, INVALID_FABRIC_BLOCKS, INVALID_CHAINCODE_PACKAGE,
   *     MALFORMED_REQUEST or INVALID_PARTIES, with the problems by field path
   */
  static Checked check(LedgerService.Request request) throws Refusal {
    List<TemplateError> problems = new ArrayList<>();
    if (request.name() == null || !NAME.matcher(request.name()).matches()) {
      problems.add(
          new TemplateError(
              "name", "1 to 63 lower-case letters, digits or '-', starting with a letter"));
      throw refused(ApiError.INVALID_NAME, problems);
    }
    LedgerTemplate template;
    try {
      template = Templates.builtIn(String.valueOf(request.template()));
    } catch (TemplateException e) {
      throw refused(ApiError.UNKNOWN_TEMPLATE, e.errors());
    }
    try {
      template = Templates.withOverrides(template, request.overrides());
    } catch (TemplateException e) {
      throw refused(ApiError.INVALID_OVERRIDES, e.errors());
    }
    Optional<FabricChannelImport> imported = Optional.empty();
    List<LedgerRecord.Party> parties = request.parties();
    if (request.fabricConfigBlock().isPresent()) {
      imported =
          Optional.of(fabricChannel(request.fabricConfigBlock().get(), request.fabricBlocks()));
      parties = channelParties(imported.get(), parties, problems);
    } else if (!request.fabricBlocks().isEmpty()) {
      throw Refusal.malformed(
          "fabricBlocks", "a channel's blocks go with its config block (fabricConfigBlock)");
    }
    Set<String> mspIds = new HashSet<>();
    Set<String> organizations = new HashSet<>();
    for (int i = 0; i < parties.size(); i++) {
      LedgerRecord.Party party = parties.get(i);
      if (!MSP_ID.matcher(party.mspId()).matches()) {
        problems.add(
            new TemplateError(
                "parties[" + i + "].mspId", "'" + party.mspId() + "' is not an MSP id"));
      } else if (!mspIds.add(party.mspId())) {
        problems.add(
            new TemplateError("parties[" + i + "].mspId", party.mspId() + " is listed twice"));
      }
      if (party.organization().isBlank()) {
        problems.add(new TemplateError("parties[" + i + "].organization", "missing"));
      } else if (party.organization().length() > MAX_ORGANIZATION_LENGTH
          || party.organization().chars().anyMatch(Character::isISOControl)) {
        // The name goes into every certificate of the party: refused here, not when issuing.
        problems.add(
            new TemplateError(
                "parties[" + i + "].organization",
                "1 to " + MAX_ORGANIZATION_LENGTH + " characters, no control characters"));
      } else if (!organizations.add(party.organization())) {
        problems.add(
            new TemplateError(
                "parties[" + i + "].organization", party.organization() + " is listed twice"));
      }
    }
    try {
      Templates.checkParties(template, parties.size());
    } catch (TemplateException e) {
      problems.addAll(e.errors());
    }
    if (!problems.isEmpty()) {
      throw refused(ApiError.INVALID_PARTIES, problems);
    }
    return new Checked(template, parties, imported, chaincode(request.chaincode(), template));
  }

  /**
   * The chaincode a request names, each a usable package under a name of its own.
   *
   * @throws Refusal INVALID_CHAINCODE_PACKAGE naming the entry
   */
  private static List<FabricChaincode> chaincode(
      List<LedgerService.Chaincode> named, LedgerTemplate template) throws Refusal {
    List<FabricChaincode> chaincode = new ArrayList<>();
    Set<String> names = new HashSet<>(template.contracts());
    for (int i = 0; i < named.size(); i++) {
      LedgerService.Chaincode entry = named.get(i);
      if (!names.add(entry.name())) {
        throw refused(
            ApiError.INVALID_CHAINCODE_PACKAGE,
            List.of(
                new TemplateError(
                    "chaincode[" + i + "].name",
                    entry.name() + " is the name of another contract of the ledger")));
      }
      try {
        chaincode.add(FabricChaincode.read(entry.name(), entry.ccaasPackage()));
      } catch (LedgerException e) {
        throw refused(
            ApiError.INVALID_CHAINCODE_PACKAGE,
            List.of(new TemplateError("chaincode[" + i + "]", e.getMessage())));
      }
    }
    return chaincode;
  }

  private static FabricChannelImport fabricChannel(byte[] configBlock, List<byte[]> blocks)
      throws Refusal {
    FabricChannelImport channel;
    try {
      channel = FabricChannelImport.read(configBlock);
    } catch (LedgerException e) {
      ApiError error =
          e.error() == LedgerError.NOT_A_FABRIC_CONFIG_BLOCK
              ? ApiError.NOT_A_FABRIC_CONFIG_BLOCK
              : ApiError.UNSUPPORTED_FABRIC_CONFIG;
      throw refused(error, List.of(new TemplateError("fabricConfigBlock", e.getMessage())));
    }
    if (blocks.isEmpty()) {
      return channel;
    }
    try {
      return channel.withState(blocks);
    } catch (LedgerException e) {
      throw refused(
          ApiError.INVALID_FABRIC_BLOCKS,
          List.of(new TemplateError("fabricBlocks", e.getMessage())));
    }
  }

  /**
   * The parties of a ledger made from a Fabric channel: the channel's organisations, each named as
   * the request names it or by its MSP id. A party the channel does not have, or an organisation of
   * the channel the request leaves out, is a problem at {@code parties}.
   */
  private static List<LedgerRecord.Party> channelParties(
      FabricChannelImport channel, List<LedgerRecord.Party> named, List<TemplateError> problems) {
    if (named.isEmpty()) {
      return channel.mspIds().stream().map(mspId -> new LedgerRecord.Party(mspId, mspId)).toList();
    }
    Set<String> inChannel = Set.copyOf(channel.mspIds());
    Set<String> listed = new HashSet<>();
    for (int i = 0; i < named.size(); i++) {
      listed.add(named.get(i).mspId());
      if (!inChannel.contains(named.get(i).mspId())) {
        problems.add(
            new TemplateError(
                "parties[" + i + "].mspId",
                named.get(i).mspId()
                    + " is not an organisation of the Fabric channel, whose organisations are "
                    + channel.mspIds()));
      }
    }
    for (String mspId : channel.mspIds()) {
      if (!listed.contains(mspId)) {
        problems.add(
            new TemplateError(
                "parties",
                "the Fabric channel's organisation "
                    + mspId
                    + " is missing: a ledger made from a channel has all its organisations"));
      }
    }
    return named;
  }

  /**
   * The plan of an accepted ledger: its parties, the template's topology and policies (the
   * endorsement policy a Fabric channel's when the ledger is made from one).
   */
  static LedgerPlan plan(
      LedgerRecord record,
      LedgerTemplate template,
      CertificateAuthority authority,
      Opening opening,
      Optional<FabricChannelImport> imported,
      List<FabricChaincode> chaincode,
      Path directory,
      RemoteOrderers remoteOrderers) {
    return new LedgerPlan(
        record.id(),
        authority,
        record.parties().stream()
            .map(p -> new LedgerPlan.Party(p.organization(), p.mspId()))
            .toList(),
        template.topology().orderers(),
        template.topology().peersPerOrganization(),
        imported.map(FabricChannelImport::endorsement).orElseGet(() -> endorsement(template)),
        BlockCutting.newBuilder()
            .setMaxTransactions(template.blockCutting().maxTransactions())
            .setMaxBytes((int) template.blockCutting().maxBytes())
            .setTimeoutMillis((int) template.blockCutting().timeout().toMillis())
            .build(),
        voting(template.voting()),
        CommitStatusPolicy.newBuilder()
            .setScope(CommitStatusPolicy.Scope.valueOf(template.commitStatus().scope().name()))
            .setTimeoutMillis(template.commitStatus().timeout().toMillis())
            .build(),
        template.lifespan(),
        template.upgradeWindow(),
        template.contracts(),
        chaincode,
        Optional.ofNullable(opening),
        imported,
        directory,
        remoteOrderers);
  }

  /** The template's voting rule as the genesis config's first voting policy (version 1). */
  static VotingPolicy voting(LedgerTemplate.Voting voting) {
    return VotingPolicy.newBuilder()
        .setThresholdPercent(voting.thresholdPercent())
        .setComparator(
            voting.comparator() == LedgerTemplate.Voting.Comparator.GREATER_THAN_OR_EQUAL
                ? VotingPolicy.Comparator.GREATER_THAN_OR_EQUAL
                : VotingPolicy.Comparator.GREATER_THAN)
        .setQuorumPercent(voting.quorumPercent())
        .setDurationMillis(voting.duration().toMillis())
        .setVersion(1)
        .build();
  }

  private static EndorsementPolicy endorsement(LedgerTemplate template) {
    return switch (template.endorsement().rule()) {
      case AT_LEAST ->
          EndorsementPolicy.newBuilder()
              .setRule(EndorsementPolicy.Rule.AT_LEAST)
              .setCount(template.endorsement().count())
              .build();
      case MAJORITY ->
          EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.MAJORITY).build();
      case ALL -> EndorsementPolicy.newBuilder().setRule(EndorsementPolicy.Rule.ALL).build();
    };
  }

  /** A request refused before anything was made: its code and every problem by field path. */
  static Refusal refused(ApiError error, List<TemplateError> problems) {
    return new Refusal(
        error,
        problems.isEmpty() ? error.meaning() : problems.get(0).toString(),
        problems.stream().map(p -> new Refusal.FieldProblem(p.path(), p.message())).toList());
  }
}
