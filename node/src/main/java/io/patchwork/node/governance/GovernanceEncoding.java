package io.patchwork.node.governance;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.governance.Action;
import io.patchwork.governance.GovernanceRules;
import io.patchwork.node.config.VotingPolicies;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.config.proto.PinnedContract;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.config.proto.VotingPolicy;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Between the ledger's wire format for governance ({@code config.proto}) and the governance
 * library's types: proposal ids, actions, voting policies and the rules a config sets.
 */
public final class GovernanceEncoding {
  private GovernanceEncoding() {}

  /** A proposal's id: the lower-case hex SHA-256 of its encoded bytes. */
  public static String proposalId(ByteString proposalBytes) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(proposalBytes.toByteArray()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** The governance rules a config sets; majority voting for 24 hours when it sets none. */
  public static GovernanceRules rules(LedgerConfig config) {
    if (!config.hasGovernance() || !config.getGovernance().hasVoting()) {
      return GovernanceRules.majority();
    }
    return new GovernanceRules(
        policy(config.getGovernance().getVoting()),
        config.getGovernance().hasVotingChanges()
            ? Optional.of(policy(config.getGovernance().getVotingChanges()))
            : Optional.empty());
  }

  /** The governance library's action for a proposal's. */
  public static Action action(GovernanceProposal proposal) {
    return switch (proposal.getActionCase()) {
      case ADD_MEMBER -> {
        GovernanceProposal.AddMember add = proposal.getAddMember();
        yield new Action.AddMember(
            add.getOrganization(),
            add.getMspId(),
            Set.copyOf(add.getRolesList()),
            add.getNodeQuota());
      }
      case REMOVE_MEMBER -> new Action.RemoveMember(proposal.getRemoveMember().getMspId());
      case REMOVE_ORDERER -> new Action.RemoveOrderer(proposal.getRemoveOrderer().getNodeId());
      case ADD_ORDERER -> {
        Orderer orderer = proposal.getAddOrderer().getOrderer();
        yield new Action.AddOrderer(
            orderer.getNodeId(),
            orderer.getMspId(),
            orderer.getHost(),
            orderer.getPort(),
            orderer.getRaftPort());
      }
      case CHANGE_POLICY -> {
        GovernanceProposal.ChangePolicy change = proposal.getChangePolicy();
        Optional<Map<String, String>> contracts = Optional.empty();
        if (change.getReplaceContracts()) {
          Map<String, String> pinned = new LinkedHashMap<>();
          for (PinnedContract contract : change.getContractsList()) {
            pinned.put(
                contract.getName(), HexFormat.of().formatHex(contract.getCodeHash().toByteArray()));
          }
          contracts = Optional.of(new TreeMap<>(pinned));
        }
        yield new Action.ChangePolicy(
            change.hasVoting() ? Optional.of(policy(change.getVoting())) : Optional.empty(),
            change.getEndorsingOrganizations() > 0
                ? Optional.of(change.getEndorsingOrganizations())
                : Optional.empty(),
            change.getMaxTransactionsPerBlock() > 0
                ? Optional.of(change.getMaxTransactionsPerBlock())
                : Optional.empty(),
            Optional.empty(),
            contracts);
      }
      case UPGRADE_CONTRACT -> {
        GovernanceProposal.UpgradeContract upgrade = proposal.getUpgradeContract();
        yield new Action.UpgradeContract(
            upgrade.getContract(),
            upgrade.getVersion(),
            HexFormat.of().formatHex(upgrade.getCodeHash().toByteArray()));
      }
      case REPLACE_AUTHORITY -> {
        GovernanceProposal.ReplaceAuthority replace = proposal.getReplaceAuthority();
        byte[] der;
        try {
          der = DecisionEffects.certificate(replace.getAuthorityCertificate()).getEncoded();
        } catch (DecisionEffects.Inapplicable | java.security.cert.CertificateEncodingException e) {
          throw new IllegalArgumentException("the new authority's certificate: " + e.getMessage());
        }
        yield new Action.ReplaceAuthority(der, Duration.ofMillis(replace.getGracePeriodMillis()));
      }
      case REVOKE_CERTIFICATES ->
          new Action.RevokeCertificates(proposal.getRevokeCertificates().getCrl().toByteArray());
      case CLOSE_LEDGER ->
          new Action.CloseLedger(
              proposal.getCloseLedger().getSettlementAsset(), proposal.getCloseLedger().getTerms());
      default -> throw new IllegalArgumentException("the proposal names no action");
    };
  }

  /** The governance library's voting policy for a config's. */
  static io.patchwork.governance.VotingPolicy policy(VotingPolicy policy) {
    return VotingPolicies.of(policy);
  }

  static GovernanceProposal parse(SignedGovernanceProposal proposal) {
    try {
      return GovernanceProposal.parseFrom(proposal.getProposal());
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("the proposal cannot be decoded", e);
    }
  }
}
