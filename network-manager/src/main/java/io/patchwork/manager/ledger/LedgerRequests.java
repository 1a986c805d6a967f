package io.patchwork.manager.ledger;

import io.patchwork.ca.CertificateAuthority;
import io.patchwork.manager.error.ApiError;
import io.patchwork.manager.error.Refusal;
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
  private static final Pattern MSP_ID = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,63}");

  private LedgerRequests() {}

  /**
   * The template the request makes, with its overrides applied.
   *
   * @throws Refusal INVALID_NAME, UNKNOWN_TEMPLATE, INVALID_OVERRIDES or INVALID_PARTIES, with the
   *     problems by field path
   */
  static LedgerTemplate check(LedgerService.Request request) throws Refusal {
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
    Set<String> mspIds = new HashSet<>();
    Set<String> organizations = new HashSet<>();
    for (int i = 0; i < request.parties().size(); i++) {
      LedgerRecord.Party party = request.parties().get(i);
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
      } else if (!organizations.add(party.organization())) {
        problems.add(
            new TemplateError(
                "parties[" + i + "].organization", party.organization() + " is listed twice"));
      }
    }
    try {
      Templates.checkParties(template, request.parties().size());
    } catch (TemplateException e) {
      problems.addAll(e.errors());
    }
    if (!problems.isEmpty()) {
      throw refused(ApiError.INVALID_PARTIES, problems);
    }
    return template;
  }

  /** The plan of an accepted ledger: its parties, the template's topology and policies. */
  static LedgerPlan plan(
      LedgerRecord record,
      LedgerTemplate template,
      CertificateAuthority authority,
      Opening opening,
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
        endorsement(template),
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
        Optional.ofNullable(opening),
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
