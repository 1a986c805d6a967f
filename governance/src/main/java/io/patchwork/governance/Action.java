package io.patchwork.governance;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/** What a proposal asks the ledger to do once approved. */
public sealed interface Action
    permits Action.AddMember,
        Action.RemoveMember,
        Action.AddOrderer,
        Action.RemoveOrderer,
        Action.ReplaceAuthority,
        Action.ChangePolicy,
        Action.UpgradeContract,
        Action.CloseLedger,
        Action.RevokeCertificates {

  /** The action's name, as the API and the ledger record it. */
  String kind();

  /** MSP ids as Fabric writes them: a letter, then letters, digits, '.', '-' or '_'. */
  Pattern MSP_ID = Pattern.compile("[A-Za-z][A-Za-z0-9._-]{0,63}");

  /** Admit an organisation; passing it yields an invite for the new member's admin. */
  record AddMember(String organization, String mspId, Set<String> roles, int nodeQuota)
      implements Action {
    public AddMember {
      Objects.requireNonNull(organization, "organization");
      Objects.requireNonNull(mspId, "mspId");
      roles = Set.copyOf(roles);
      if (organization.isBlank()) {
        throw new IllegalArgumentException("the organisation needs a name");
      }
      requireMspId(mspId);
      if (nodeQuota < 0 || nodeQuota > 100) {
        throw new IllegalArgumentException("a member runs 0 to 100 nodes");
      }
    }

    @Override
    public String kind() {
      return "AddMember";
    }
  }

  /**
   * Revoke certificates of members that stay: the authority's new CRL (DER), which every node puts
   * in force from the decision's block.
   */
  record RevokeCertificates(byte[] crl) implements Action {
    public RevokeCertificates {
      Objects.requireNonNull(crl, "crl");
      if (crl.length == 0) {
        throw new IllegalArgumentException("the CRL that revokes the certificates is missing");
      }
      crl = crl.clone();
    }

    @Override
    public byte[] crl() {
      return crl.clone();
    }

    @Override
    public String kind() {
      return "RevokeCertificates";
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof RevokeCertificates that && Arrays.equals(crl, that.crl);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(crl);
    }

    @Override
    public String toString() {
      return "RevokeCertificates[crl=" + crl.length + " bytes]";
    }
  }

  /** Remove an organisation: its certificates are revoked and its nodes evicted. */
  record RemoveMember(String mspId) implements Action {
    public RemoveMember {
      requireMspId(mspId);
    }

    @Override
    public String kind() {
      return "RemoveMember";
    }
  }

  /**
   * Bring a member's orderer into the ledger's ordering group (Raft): it is reached at {@code
   * host:port} (Broadcast, Deliver) and {@code host:raftPort} (Raft), and signs blocks with the
   * certificate the proposal carries.
   */
  record AddOrderer(String nodeId, String mspId, String host, int port, int raftPort)
      implements Action {
    public AddOrderer {
      Objects.requireNonNull(nodeId, "nodeId");
      Objects.requireNonNull(host, "host");
      requireMspId(mspId);
      if (nodeId.isBlank() || host.isBlank()) {
        throw new IllegalArgumentException("an orderer needs a node id and a host");
      }
      if (port < 1 || port > 65535 || raftPort < 1 || raftPort > 65535 || port == raftPort) {
        throw new IllegalArgumentException("an orderer needs two different ports (1 to 65535)");
      }
    }

    @Override
    public String kind() {
      return "AddOrderer";
    }
  }

  /**
   * Take one orderer out of the ledger's ordering group (Raft): its certificates leave the config
   * and the others stop taking blocks from it.
   */
  record RemoveOrderer(String nodeId) implements Action {
    public RemoveOrderer {
      Objects.requireNonNull(nodeId, "nodeId");
      if (nodeId.isBlank()) {
        throw new IllegalArgumentException("name the orderer to remove by its node id");
      }
    }

    @Override
    public String kind() {
      return "RemoveOrderer";
    }
  }

  /**
   * Replace the authority that certifies members ("fire the referee"): the new authority's
   * certificate (DER) becomes a trust root; the old one stays trusted for the grace period only.
   */
  record ReplaceAuthority(byte[] authorityCertificate, Duration gracePeriod) implements Action {
    public ReplaceAuthority {
      Objects.requireNonNull(authorityCertificate, "authorityCertificate");
      Objects.requireNonNull(gracePeriod, "gracePeriod");
      if (authorityCertificate.length == 0) {
        throw new IllegalArgumentException("the new authority's certificate is missing");
      }
      if (gracePeriod.isNegative()) {
        throw new IllegalArgumentException("the grace period cannot be negative");
      }
      authorityCertificate = authorityCertificate.clone();
    }

    @Override
    public byte[] authorityCertificate() {
      return authorityCertificate.clone();
    }

    @Override
    public String kind() {
      return "ReplaceAuthority";
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof ReplaceAuthority that
          && Arrays.equals(authorityCertificate, that.authorityCertificate)
          && gracePeriod.equals(that.gracePeriod);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(authorityCertificate) + gracePeriod.hashCode();
    }

    @Override
    public String toString() {
      return "ReplaceAuthority[" + authorityCertificate.length + " bytes, " + gracePeriod + "]";
    }
  }

  /**
   * Change ledger policies; each part left empty stays as it is. Changing the voting policy itself
   * is decided under {@link GovernanceRules#policyFor} — the current policy or a stricter one.
   *
   * @param voting the new voting policy
   * @param endorsingOrganizations the new endorsement policy: this many member organisations
   * @param maxTransactionsPerBlock the new block size in transactions
   * @param upgradeWindow how long after genesis contracts may be upgraded (the ledger format,
   *     config.proto, carries no change to it yet: a ledger's window is its template's)
   * @param allowedContracts contract name to SHA-256 code hash (hex), replacing the whole list
   */
  record ChangePolicy(
      Optional<VotingPolicy> voting,
      Optional<Integer> endorsingOrganizations,
      Optional<Integer> maxTransactionsPerBlock,
      Optional<Duration> upgradeWindow,
      Optional<Map<String, String>> allowedContracts)
      implements Action {
    public ChangePolicy {
      Objects.requireNonNull(voting, "voting");
      Objects.requireNonNull(endorsingOrganizations, "endorsingOrganizations");
      Objects.requireNonNull(maxTransactionsPerBlock, "maxTransactionsPerBlock");
      Objects.requireNonNull(upgradeWindow, "upgradeWindow");
      Objects.requireNonNull(allowedContracts, "allowedContracts");
      allowedContracts = allowedContracts.map(contracts -> Map.copyOf(new TreeMap<>(contracts)));
      if (voting.isEmpty()
          && endorsingOrganizations.isEmpty()
          && maxTransactionsPerBlock.isEmpty()
          && upgradeWindow.isEmpty()
          && allowedContracts.isEmpty()) {
        throw new IllegalArgumentException("a policy change must change something");
      }
      if (endorsingOrganizations.isPresent() && endorsingOrganizations.get() < 1) {
        throw new IllegalArgumentException("an endorsement needs at least one organisation");
      }
      if (maxTransactionsPerBlock.isPresent() && maxTransactionsPerBlock.get() < 1) {
        throw new IllegalArgumentException("a block holds at least one transaction");
      }
      if (upgradeWindow.isPresent() && upgradeWindow.get().isNegative()) {
        throw new IllegalArgumentException("the upgrade window cannot be negative");
      }
      allowedContracts.ifPresent(
          contracts ->
              contracts.forEach(
                  (name, hash) -> {
                    if (!hash.matches("[0-9a-f]{64}")) {
                      throw new IllegalArgumentException(
                          "contract " + name + " needs a SHA-256 code hash in lower-case hex");
                    }
                  }));
    }

    /** A change of the voting policy alone. */
    public static ChangePolicy voting(VotingPolicy policy) {
      return new ChangePolicy(
          Optional.of(policy),
          Optional.empty(),
          Optional.empty(),
          Optional.empty(),
          Optional.empty());
    }

    @Override
    public String kind() {
      return "ChangePolicy";
    }
  }

  /** Move the ledger to a new version of a contract, pinned by its code hash (hex SHA-256). */
  record UpgradeContract(String contract, String version, String codeHash) implements Action {
    public UpgradeContract {
      Objects.requireNonNull(contract, "contract");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(codeHash, "codeHash");
      if (!contract.matches("[a-z][a-z0-9-]{0,63}")) {
        throw new IllegalArgumentException("contract names are lower-case letters, digits, '-'");
      }
      if (version.isBlank()) {
        throw new IllegalArgumentException("the contract version is missing");
      }
      if (!codeHash.matches("[0-9a-f]{64}")) {
        throw new IllegalArgumentException("the code hash is a SHA-256 in lower-case hex");
      }
    }

    @Override
    public String kind() {
      return "UpgradeContract";
    }
  }

  /** Close the ledger and settle: the asset positions are netted in, and how. */
  record CloseLedger(String settlementAsset, String terms) implements Action {
    public CloseLedger {
      Objects.requireNonNull(settlementAsset, "settlementAsset");
      Objects.requireNonNull(terms, "terms");
      if (settlementAsset.isBlank()) {
        throw new IllegalArgumentException("closing needs the settlement asset");
      }
    }

    @Override
    public String kind() {
      return "CloseLedger";
    }
  }

  private static void requireMspId(String mspId) {
    Objects.requireNonNull(mspId, "mspId");
    if (!MSP_ID.matcher(mspId).matches()) {
      throw new IllegalArgumentException("'" + mspId + "' is not a valid MSP id");
    }
  }
}
