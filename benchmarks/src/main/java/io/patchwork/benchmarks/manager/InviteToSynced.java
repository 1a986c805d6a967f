package io.patchwork.benchmarks.manager;

import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateProfile;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.Csr;
import io.patchwork.ca.CsrSubmission;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.NewInvite;
import io.patchwork.ca.Role;
import io.patchwork.governance.Choice;
import io.patchwork.manager.Manager;
import io.patchwork.manager.access.Principal;
import io.patchwork.manager.ledger.LedgerGovernance;
import io.patchwork.manager.ledger.LedgerRecord;
import io.patchwork.manager.ledger.LedgerService;
import io.patchwork.manager.ledger.MemberInvites;
import io.patchwork.node.api.HostedLedger;
import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.MemberMessages;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.NodeSigner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Invite-to-synced time of a joining member: on a running ledger whose members voted new
 * organisations in, the time from the operator making an invite to the member's hosted peer holding
 * every block the ledger has — redeeming the invite with the member's CSRs (admin, client), issuing
 * the peer's certificates, exporting a snapshot of the furthest peer, starting the new peer from it
 * and letting it pull the blocks after. The manager's services are called in-process (the same code
 * the REST routes call).
 */
@Command(
    name = "invite-to-synced",
    mixinStandardHelpOptions = true,
    description = "Time from invite to a joining member's hosted peer being in sync.")
public final class InviteToSynced implements Callable<Integer> {
  @Option(names = "--parties", defaultValue = "17", description = "Founding organisations.")
  int parties;

  @Option(names = "--joins", defaultValue = "4", description = "Members voted in and timed.")
  int joins;

  public static void main(String[] args) {
    System.exit(new CommandLine(new InviteToSynced()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Path directory = Files.createTempDirectory("patchwork-invite-to-synced-");
    try (Manager manager = BenchServices.manager(directory)) {
      LedgerService service = manager.ledgers();
      List<LedgerRecord.Party> members = new ArrayList<>();
      for (int i = 0; i < parties; i++) {
        members.add(new LedgerRecord.Party("Org " + i, "Org" + i + "MSP"));
      }
      LedgerRecord record =
          service.accept(new LedgerService.Request("join", "payments-netting", members, Map.of()));
      service.provision(record);
      HostedLedger ledger = service.running("join").orElseThrow();
      CertificateAuthority authority = service.authority("join");
      LedgerGovernance governance = manager.governance();
      MemberInvites invites = manager.invites();

      // Admins of the founding members, enough to pass any vote.
      List<NodeSigner> admins = new ArrayList<>();
      List<Principal> principals = new ArrayList<>();
      for (int i = 0; i < parties; i++) {
        IssuedCredential admin =
            authority.issueWithNewKey(
                CertificateRequest.signing("admin", Role.ADMIN, "Org " + i, "Org" + i + "MSP"));
        admins.add(
            NodeSigner.of(
                "Org" + i + "MSP", admin.certificate().certificate(), admin.privateKey()));
        principals.add(
            manager
                .tokens()
                .issueMemberAdmin("join", "Org" + i + "MSP", admin.certificate().serialHex())
                .principal());
      }
      double[] seconds = new double[joins];
      for (int j = 0; j < joins; j++) {
        String mspId = "New" + j + "MSP";
        String organization = "New " + j;
        voteIn(ledger, governance, admins, principals, organization, mspId);
        long started = System.nanoTime();
        NewInvite invite =
            invites.invite(
                Principal.operator("bench"), "join", mspId, MemberInvites.DEFAULT_VALIDITY);
        MemberInvites.Redeemed redeemed =
            invites.redeem(
                "join",
                invite.token().reveal(),
                List.of(
                    new CsrSubmission(
                        CertificateProfile.SIGNING,
                        Csr.create(
                            newKey(),
                            CertificateRequest.signing("admin", Role.ADMIN, organization, mspId))),
                    new CsrSubmission(
                        CertificateProfile.SIGNING,
                        Csr.create(
                            newKey(),
                            CertificateRequest.signing("app", Role.CLIENT, organization, mspId)))),
                true);
        HostedNode peer = redeemed.hostedPeer().orElseThrow().peer().orElseThrow();
        long top = 0;
        for (HostedNode other : ledger.peers()) {
          top = Math.max(top, other.height());
        }
        while (peer.height() < top) {
          Thread.sleep(1);
        }
        seconds[j] = (System.nanoTime() - started) / 1e9;
        System.out.printf(
            Locale.ROOT,
            "join %d: %s in sync at height %d in %.3f s%n",
            j,
            mspId,
            peer.height(),
            seconds[j]);
      }
      double[] sorted = seconds.clone();
      Arrays.sort(sorted);
      System.out.printf(
          Locale.ROOT,
          "RESULT invite-to-synced %d founding members + %d joins: median %.3f s, range %.3f-%.3f s%n",
          parties,
          joins,
          sorted[sorted.length / 2],
          sorted[0],
          sorted[sorted.length - 1]);
      double[] records = recorded.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      System.out.printf(
          Locale.ROOT,
          "RESULT governance-record-to-commit %d records: median %.1f ms, p90 %.1f ms, range"
              + " %.1f-%.1f ms%n",
          records.length,
          records[records.length / 2],
          records[(int) (records.length * 0.9)],
          records[0],
          records[records.length - 1]);
    }
    return 0;
  }

  /**
   * How long each governance record (a proposal or a ballot) took through the manager, from the
   * call to its commit on the member's peer, in milliseconds.
   */
  private static final List<Double> recorded = new ArrayList<>();

  /** Proposes AddMember and has every founding admin vote yes until it is carried out. */
  private static void voteIn(
      HostedLedger ledger,
      LedgerGovernance governance,
      List<NodeSigner> admins,
      List<Principal> principals,
      String organization,
      String mspId)
      throws Exception {
    long sequence = ledger.config().getSequence();
    SignedGovernanceProposal proposal =
        MemberMessages.propose(
            GovernanceProposal.newBuilder()
                .setLedgerId("join")
                .setConfigSequence(sequence)
                .setProposerMspId(admins.get(0).mspId())
                .setCreatedAtMillis(System.currentTimeMillis())
                .setAddMember(
                    GovernanceProposal.AddMember.newBuilder()
                        .setOrganization(organization)
                        .setMspId(mspId))
                .build(),
            admins.get(0));
    long started = System.nanoTime();
    String id = governance.propose(principals.get(0), "join", proposal).id();
    recorded.add((System.nanoTime() - started) / 1e6);
    for (int i = 0; i < admins.size(); i++) {
      started = System.nanoTime();
      LedgerGovernance.ProposalView view =
          governance.vote(
              principals.get(i),
              "join",
              id,
              MemberMessages.vote(proposal, admins.get(i), Choice.YES, Instant.now()));
      if (view.status().equals("CLOSED")) {
        // The deciding ballot also waited for the decision's commit: not a single record.
        return;
      }
      recorded.add((System.nanoTime() - started) / 1e6);
    }
    throw new IllegalStateException("the members' vote did not carry out " + id);
  }

  private static KeyPair newKey() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }
}
