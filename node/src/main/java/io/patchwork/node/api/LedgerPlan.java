package io.patchwork.node.api;

import io.patchwork.ca.CertificateAuthority;
import io.patchwork.node.config.proto.BlockCutting;
import io.patchwork.node.config.proto.CommitStatusPolicy;
import io.patchwork.node.config.proto.EndorsementPolicy;
import io.patchwork.node.config.proto.Opening;
import io.patchwork.node.config.proto.VotingPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a new ledger is to be: its id and authority, its members in order, how many orderers and
 * peers, its endorsement, voting, block cutting and commit status policies, how long it lives and
 * how long its contracts may be upgraded (from genesis), the contracts it pins, a successor's
 * opening, the Fabric chaincode it pins and its hosted peers run beside the contracts, the Fabric
 * channel it is made from (its members are then that channel's organisations, trusted as their
 * Fabric MSPs are), the directory its nodes keep their data and credentials in (which must not
 * exist yet), and which orderers run on other hosts. Orderers are spread over the members in turn;
 * every member gets {@code peersPerOrganization} peers.
 */
public record LedgerPlan(
    String ledgerId,
    CertificateAuthority authority,
    List<Party> members,
    int orderers,
    int peersPerOrganization,
    EndorsementPolicy endorsement,
    BlockCutting blockCutting,
    VotingPolicy voting,
    CommitStatusPolicy commitStatus,
    Duration lifespan,
    Duration upgradeWindow,
    List<String> contracts,
    List<FabricChaincode> chaincode,
    Optional<Opening> opening,
    Optional<FabricChannelImport> imported,
    Path directory,
    RemoteOrderers remoteOrderers) {

  /** A member organisation: its name and MSP id. */
  public record Party(String organization, String mspId) {
    public Party {
      Objects.requireNonNull(organization, "organization");
      Objects.requireNonNull(mspId, "mspId");
    }
  }

  public LedgerPlan {
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(authority, "authority");
    members = List.copyOf(members);
    Objects.requireNonNull(endorsement, "endorsement");
    Objects.requireNonNull(blockCutting, "blockCutting");
    Objects.requireNonNull(voting, "voting");
    Objects.requireNonNull(commitStatus, "commitStatus");
    Objects.requireNonNull(lifespan, "lifespan");
    Objects.requireNonNull(upgradeWindow, "upgradeWindow");
    contracts = List.copyOf(contracts);
    chaincode = List.copyOf(chaincode);
    Set<String> names = new HashSet<>(contracts);
    for (FabricChaincode external : chaincode) {
      if (!names.add(external.name())) {
        throw new IllegalArgumentException(
            "chaincode " + external.name() + " is named as another contract of the ledger");
      }
    }
    Objects.requireNonNull(opening, "opening");
    Objects.requireNonNull(imported, "imported");
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(remoteOrderers, "remoteOrderers");
    if (members.isEmpty()) {
      throw new IllegalArgumentException("a ledger needs at least one member");
    }
    if (imported.isPresent()
        && !Set.copyOf(imported.get().mspIds())
            .equals(members.stream().map(Party::mspId).collect(Collectors.toSet()))) {
      throw new IllegalArgumentException(
          "a ledger made from a Fabric channel has that channel's organisations as its members: "
              + imported.get().mspIds());
    }
    if (orderers < 1 || peersPerOrganization < 1) {
      throw new IllegalArgumentException(
          "a ledger needs at least one orderer and one peer per member, not "
              + orderers
              + " and "
              + peersPerOrganization);
    }
  }
}
