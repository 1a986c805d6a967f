package io.patchwork.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.Status.Code;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.Pem;
import io.patchwork.ca.RevocationReason;
import io.patchwork.ca.Role;
import io.patchwork.governance.Choice;
import io.patchwork.governance.ProposalStatus;
import io.patchwork.node.block.Blocks;
import io.patchwork.node.config.LedgerConfigs;
import io.patchwork.node.config.proto.GovernanceBallot;
import io.patchwork.node.config.proto.GovernanceProposal;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.node.config.proto.LedgerStatus;
import io.patchwork.node.config.proto.SignedGovernanceProposal;
import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.governance.DecisionEffects;
import io.patchwork.node.governance.GovernanceDecisions;
import io.patchwork.node.governance.GovernanceEncoding;
import io.patchwork.node.governance.GovernanceRecords;
import io.patchwork.node.host.NodeCommand;
import io.patchwork.node.peer.PeerNode;
import io.patchwork.node.store.BlockStore;
import io.patchwork.node.tx.EnvelopeHeaders;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.Contract;
import org.hyperledger.fabric.client.EndorseException;
import org.hyperledger.fabric.protos.common.Block;
import org.hyperledger.fabric.protos.common.Envelope;
import org.hyperledger.fabric.protos.common.Policy;
import org.hyperledger.fabric.protos.common.Status;
import org.hyperledger.fabric.protos.msp.FabricMSPConfig;
import org.hyperledger.fabric.protos.orderer.BroadcastResponse;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Member decisions carried out on a running ledger, and decisions the ledger refuses. */
@Tag("cluster")
class GovernanceLedgerTest {
  @TempDir Path directory;

  private static Cluster.Options fourBanks() {
    return Cluster.options().organizations(4).orderers(1).blocks(20, Duration.ofMillis(20));
  }

  private static LedgerConfig config(Cluster cluster) {
    return cluster.config();
  }

  private static NodeSigner admin(Cluster cluster, String mspId) throws Exception {
    return Cluster.signer(cluster.admin(mspId));
  }

  private static SignedGovernanceProposal removeBankD(Cluster cluster, Instant createdAt)
      throws Exception {
    GovernanceProposal proposal =
        GovernanceProposal.newBuilder()
            .setLedgerId("trade")
            .setConfigSequence(config(cluster).getSequence())
            .setProposerMspId("BankAMSP")
            .setCreatedAtMillis(createdAt.toEpochMilli())
            .setRemoveMember(GovernanceProposal.RemoveMember.newBuilder().setMspId("BankDMSP"))
            .build();
    return GovernanceDecisions.propose(proposal, admin(cluster, "BankAMSP"));
  }

  private static List<GovernanceBallot> ballots(
      Cluster cluster, SignedGovernanceProposal proposal, Instant at, String... yesVoters)
      throws Exception {
    List<GovernanceBallot> ballots = new ArrayList<>();
    for (int i = 0; i < yesVoters.length; i++) {
      ballots.add(
          GovernanceDecisions.vote(
              proposal, admin(cluster, yesVoters[i]), Choice.YES, at.plusMillis(i)));
    }
    return ballots;
  }

  private static BroadcastResponse submit(
      Cluster cluster, SignedGovernanceProposal proposal, List<GovernanceBallot> ballots)
      throws Exception {
    Envelope envelope =
        GovernanceDecisions.decisionEnvelope(
            config(cluster), proposal, ballots, admin(cluster, "BankAMSP"), Instant.now());
    return cluster.broadcast(cluster.admin("BankAMSP"), envelope);
  }

  private static void awaitSequence(Cluster cluster, long sequence) throws InterruptedException {
    cluster.awaitSequence(sequence);
  }

  /** Waits until every running peer but {@code exceptPeer} has applied config {@code sequence}. */
  private static void awaitSequence(Cluster cluster, long sequence, String exceptPeer)
      throws InterruptedException {
    cluster.awaitSequence(sequence, exceptPeer);
  }

  @Test
  void an_approved_removal_takes_the_member_out_and_its_admin_can_no_longer_transact()
      throws Exception {
    Cluster.run(
        directory,
        fourBanks(),
        cluster -> {
          var tokenOfD = cluster.token(cluster.admin("BankDMSP"));
          tokenOfD.submitTransaction("issue", "BankDMSP", "10");
          Instant now = Instant.now();
          // The authority revokes BankD's admin; the proposal carries its new CRL.
          cluster
              .authority()
              .revoke(
                  cluster.admin("BankDMSP").signing().certificate().serial(),
                  RevocationReason.CESSATION_OF_OPERATION);
          ByteString crl = ByteString.copyFrom(cluster.authority().crl().getEncoded());
          SignedGovernanceProposal proposal =
              GovernanceDecisions.propose(
                  GovernanceProposal.newBuilder()
                      .setLedgerId("trade")
                      .setConfigSequence(config(cluster).getSequence())
                      .setProposerMspId("BankAMSP")
                      .setCreatedAtMillis(now.toEpochMilli())
                      .setRemoveMember(
                          GovernanceProposal.RemoveMember.newBuilder()
                              .setMspId("BankDMSP")
                              .setCrl(crl))
                      .build(),
                  admin(cluster, "BankAMSP"));
          long sequence = config(cluster).getSequence();

          Envelope decision =
              GovernanceDecisions.decisionEnvelope(
                  config(cluster),
                  proposal,
                  ballots(cluster, proposal, now, "BankAMSP", "BankBMSP", "BankCMSP"),
                  admin(cluster, "BankAMSP"),
                  Instant.now());

          BroadcastResponse response = cluster.broadcast(cluster.admin("BankAMSP"), decision);

          assertThat(response.getStatus()).as(response.getInfo()).isEqualTo(Status.SUCCESS);
          awaitSequence(cluster, sequence + 1, "peer3");
          // BankD's peer is evicted: the orderer stops delivering blocks to it.
          long evictedAt = cluster.ledger().peer("peer3").ledger().height();
          cluster.token(cluster.admin("BankAMSP")).submitTransaction("issue", "BankAMSP", "1");
          Thread.sleep(500);
          assertThat(cluster.ledger().peer("peer3").ledger().height()).isEqualTo(evictedAt);
          cluster.ledger().stopPeer("peer3");
          for (PeerNode peer : cluster.ledger().peers()) {
            assertThat(peer.ledger().rules().isMember("BankDMSP")).as(peer.nodeId()).isFalse();
            assertThat(peer.ledger().rules().config().getDecidedProposalsList())
                .containsExactly(GovernanceEncoding.proposalId(proposal.getProposal()));
            assertThat(peer.ledger().rules().config().getMembers(0).getCrlsList())
                .containsExactly(crl);
          }
          assertThatThrownBy(() -> tokenOfD.submitTransaction("issue", "BankDMSP", "10"))
              .isInstanceOfSatisfying(
                  EndorseException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED));
          assertHistoryShowsTheDecision(cluster, proposal);
          // The decision cannot be carried out twice.
          assertRefused(cluster.broadcast(cluster.admin("BankAMSP"), decision), "the next one is");
          assertThat(config(cluster).getSequence()).isEqualTo(sequence + 1);
          // What Fabric's tools read: BankD's organisation is gone from the channel config, which
          // the decision inside it made.
          FabricBlocks.Channel fabric = FabricBlocks.lastConfig(cluster.ledger().peer("peer0"));
          assertThat(fabric.organizations()).containsOnlyKeys("BankAMSP", "BankBMSP", "BankCMSP");
          assertThat(fabric.sequence()).isEqualTo(sequence + 1);
          assertThat(fabric.applicationVersion()).isEqualTo(1);
          assertThat(EnvelopeHeaders.read(fabric.lastUpdate()).txId())
              .isEqualTo(EnvelopeHeaders.read(decision).txId());
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  @Test
  void decisions_without_enough_valid_ballots_are_refused_and_change_nothing() throws Exception {
    Cluster.run(
        directory,
        fourBanks(),
        cluster -> {
          Instant now = Instant.now();
          SignedGovernanceProposal proposal = removeBankD(cluster, now);
          long sequence = config(cluster).getSequence();

          // Two of four is not more than half.
          assertRefused(
              submit(cluster, proposal, ballots(cluster, proposal, now, "BankAMSP", "BankBMSP")),
              "IN_PROGRESS, not approved");

          // A ballot whose choice was flipped after signing.
          List<GovernanceBallot> flipped =
              new ArrayList<>(ballots(cluster, proposal, now, "BankAMSP", "BankBMSP"));
          flipped.add(
              GovernanceDecisions.vote(
                      proposal, admin(cluster, "BankCMSP"), Choice.NO, now.plusMillis(5))
                  .toBuilder()
                  .setChoice(Choice.YES.code())
                  .build());
          assertRefused(submit(cluster, proposal, flipped), "FORGED_SIGNATURE");

          // The same organisation twice.
          List<GovernanceBallot> twice =
              new ArrayList<>(ballots(cluster, proposal, now, "BankAMSP", "BankBMSP"));
          twice.add(
              GovernanceDecisions.vote(
                  proposal, admin(cluster, "BankBMSP"), Choice.YES, now.plusMillis(9)));
          assertRefused(submit(cluster, proposal, twice), "ALREADY_VOTED");

          // A certificate from another authority claiming a member's admin.
          List<GovernanceBallot> foreign =
              new ArrayList<>(ballots(cluster, proposal, now, "BankAMSP", "BankBMSP"));
          foreign.add(
              GovernanceDecisions.vote(
                  proposal,
                  Cluster.signer(cluster.foreignSigner("BankCMSP", "mallory")),
                  Choice.YES,
                  now.plusMillis(9)));
          assertRefused(submit(cluster, proposal, foreign), "NOT_AN_ADMIN");

          // Ballots cast after the proposal's 24 hours.
          Instant longAgo = now.minus(Duration.ofHours(25));
          SignedGovernanceProposal stale = removeBankD(cluster, longAgo);
          assertRefused(
              submit(
                  cluster, stale, ballots(cluster, stale, now, "BankAMSP", "BankBMSP", "BankCMSP")),
              "EXPIRED");

          // A ballot on another proposal (the stale one) replayed on this one.
          List<GovernanceBallot> replayed =
              new ArrayList<>(ballots(cluster, proposal, now, "BankAMSP", "BankBMSP"));
          replayed.add(ballots(cluster, stale, now, "BankCMSP").get(0));
          assertRefused(submit(cluster, proposal, replayed), "FORGED_SIGNATURE");

          // A proposal by a client, not an admin.
          GovernanceProposal byClient =
              GovernanceProposal.parseFrom(proposal.getProposal()).toBuilder()
                  .setProposerMspId("BankBMSP")
                  .build();
          SignedGovernanceProposal notAdmin =
              GovernanceDecisions.propose(
                  byClient, Cluster.signer(cluster.client("BankBMSP", "teller")));
          assertRefused(
              submit(
                  cluster,
                  notAdmin,
                  ballots(cluster, notAdmin, now, "BankAMSP", "BankBMSP", "BankCMSP")),
              "proposer is not an admin");

          cluster.awaitHeight(
              cluster.ledger().peer("peer0").ledger().height(), Duration.ofSeconds(30));
          for (PeerNode peer : cluster.ledger().peers()) {
            assertThat(peer.ledger().rules().sequence()).isEqualTo(sequence);
            assertThat(peer.ledger().rules().isMember("BankDMSP")).isTrue();
          }
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  @Test
  void an_approved_policy_change_sets_the_endorsement_policy_on_every_node() throws Exception {
    Cluster.run(
        directory,
        fourBanks(),
        cluster -> {
          Instant now = Instant.now();
          GovernanceProposal change =
              GovernanceProposal.newBuilder()
                  .setLedgerId("trade")
                  .setConfigSequence(config(cluster).getSequence())
                  .setProposerMspId("BankBMSP")
                  .setCreatedAtMillis(now.toEpochMilli())
                  .setChangePolicy(
                      GovernanceProposal.ChangePolicy.newBuilder().setEndorsingOrganizations(4))
                  .build();
          SignedGovernanceProposal proposal =
              GovernanceDecisions.propose(change, admin(cluster, "BankBMSP"));
          long sequence = config(cluster).getSequence();

          BroadcastResponse response =
              submit(
                  cluster,
                  proposal,
                  ballots(cluster, proposal, now, "BankBMSP", "BankCMSP", "BankDMSP"));

          assertThat(response.getStatus()).as(response.getInfo()).isEqualTo(Status.SUCCESS);
          awaitSequence(cluster, sequence + 1);
          for (PeerNode peer : cluster.ledger().peers()) {
            assertThat(peer.ledger().rules().endorsingOrganizationsRequired()).isEqualTo(4);
          }
          var token = cluster.token(cluster.admin("BankAMSP"));
          token.submitTransaction("issue", "BankAMSP", "5");
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  @Test
  void members_replace_the_authority_and_its_certificates_stop_working_after_the_grace_period()
      throws Exception {
    Cluster.run(
        directory,
        Cluster.options().organizations(3).orderers(1).blocks(20, Duration.ofMillis(20)),
        cluster -> {
          CertificateAuthority newReferee = cluster.newAuthority("new-referee");
          Instant now = Instant.now();
          long grace = 6_000;
          GovernanceProposal replace =
              GovernanceProposal.newBuilder()
                  .setLedgerId("trade")
                  .setConfigSequence(config(cluster).getSequence())
                  .setProposerMspId("BankBMSP")
                  .setCreatedAtMillis(now.toEpochMilli())
                  .setReplaceAuthority(
                      GovernanceProposal.ReplaceAuthority.newBuilder()
                          .setAuthorityCertificate(
                              ByteString.copyFromUtf8(Pem.certificate(newReferee.trustRoot())))
                          .setGracePeriodMillis(grace)
                          .setCrl(ByteString.copyFrom(newReferee.crl().getEncoded())))
                  .build();
          // Without the new authority's CRL, or with another authority's, it cannot apply: its
          // certificates could not be checked for revocation.
          GovernanceProposal withoutCrl =
              replace.toBuilder()
                  .setReplaceAuthority(replace.getReplaceAuthority().toBuilder().clearCrl())
                  .build();
          assertThatThrownBy(() -> DecisionEffects.apply(config(cluster), withoutCrl, "p", now))
              .isInstanceOf(DecisionEffects.Inapplicable.class)
              .hasMessageContaining("must carry the new authority's CRL");
          CertificateAuthority stranger = cluster.newAuthority("stranger");
          GovernanceProposal strangersCrl =
              replace.toBuilder()
                  .setReplaceAuthority(
                      replace.getReplaceAuthority().toBuilder()
                          .setCrl(ByteString.copyFrom(stranger.crl().getEncoded())))
                  .build();
          assertThatThrownBy(() -> DecisionEffects.apply(config(cluster), strangersCrl, "p", now))
              .isInstanceOf(DecisionEffects.Inapplicable.class)
              .hasMessageContaining("not signed by the new authority");
          SignedGovernanceProposal proposal =
              GovernanceDecisions.propose(replace, admin(cluster, "BankBMSP"));
          long sequence = config(cluster).getSequence();

          BroadcastResponse response =
              submit(cluster, proposal, ballots(cluster, proposal, now, "BankBMSP", "BankCMSP"));

          assertThat(response.getStatus()).as(response.getInfo()).isEqualTo(Status.SUCCESS);
          awaitSequence(cluster, sequence + 1);
          LedgerConfig replaced = config(cluster);
          assertThat(replaced.getRetiringRootsCount()).isEqualTo(1);
          Instant deadline =
              Instant.ofEpochMilli(replaced.getRetiringRoots(0).getTrustedUntilMillis());
          assertThat(deadline).isEqualTo(Instant.ofEpochMilli(now.toEpochMilli() + 1 + grace));
          // The members' nodes get certificates from the new authority within the grace period.
          for (String peer : cluster.ledger().peerIds()) {
            cluster.ledger().recertifyPeer(peer, newReferee);
          }
          Contract byOldAuthority = cluster.token(cluster.admin("BankAMSP"));
          // Signing and TLS certificates both from the new authority: the peers' TLS trust
          // follows the config.
          Contract byNewAuthority =
              cluster
                  .gateway(
                      cluster.whollyIssuedBy(newReferee, "BankAMSP", "treasurer", Role.ADMIN),
                      "peer0")
                  .getNetwork("trade")
                  .getContract("ledger-token");
          byOldAuthority.submitTransaction("issue", "BankAMSP", "1");
          byNewAuthority.submitTransaction("issue", "BankAMSP", "2");

          while (!Instant.now().isAfter(deadline.plusSeconds(1))) {
            Thread.sleep(100);
          }

          byNewAuthority.submitTransaction("issue", "BankAMSP", "4");
          assertThatThrownBy(() -> byOldAuthority.submitTransaction("issue", "BankAMSP", "8"))
              .isInstanceOfSatisfying(
                  EndorseException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.PERMISSION_DENIED));
          assertThat(
                  new String(
                      byNewAuthority.evaluateTransaction("balance", "BankAMSP"),
                      StandardCharsets.UTF_8))
              .isEqualTo("7");
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  @Test
  void proposals_and_ballots_are_recorded_on_the_ledger_and_counted_alike_by_every_peer()
      throws Exception {
    Cluster.run(
        directory,
        fourBanks(),
        cluster -> {
          Instant now = Instant.now();
          SignedGovernanceProposal proposal = removeBankD(cluster, now);
          String id = GovernanceEncoding.proposalId(proposal.getProposal());
          NodeSigner submitter = admin(cluster, "BankAMSP");
          record(cluster, GovernanceRecords.proposalEnvelope("trade", proposal, submitter, now));
          for (GovernanceBallot ballot : ballots(cluster, proposal, now, "BankAMSP", "BankBMSP")) {
            record(cluster, GovernanceRecords.ballotEnvelope("trade", id, ballot, submitter, now));
          }
          assertTallies(cluster, id, ProposalStatus.IN_PROGRESS, 2);

          // Refused by the orderer: the flipped choice no longer matches the signature.
          GovernanceBallot flipped =
              GovernanceDecisions.vote(proposal, admin(cluster, "BankCMSP"), Choice.NO, now)
                  .toBuilder()
                  .setChoice(Choice.YES.code())
                  .build();
          assertRefused(
              cluster.broadcast(
                  cluster.admin("BankAMSP"),
                  GovernanceRecords.ballotEnvelope("trade", id, flipped, submitter, now)),
              "FORGED_SIGNATURE");
          // Ordered, then refused by every peer against the record: BankBMSP voted already.
          recordVote(cluster, proposal, "BankBMSP", Choice.NO, now.plusMillis(50));
          assertTallies(cluster, id, ProposalStatus.IN_PROGRESS, 2);

          recordVote(cluster, proposal, "BankCMSP", Choice.YES, now.plusMillis(60));
          assertTallies(cluster, id, ProposalStatus.APPROVED, 3);
          // After the decision, votes are closed.
          recordVote(cluster, proposal, "BankDMSP", Choice.NO, now.plusMillis(70));
          assertTallies(cluster, id, ProposalStatus.APPROVED, 3);

          // The recorded proposal and ballots carry the decision out.
          var state = cluster.ledger().peer("peer0").ledger().state();
          long sequence = config(cluster).getSequence();
          BroadcastResponse decided =
              cluster.broadcast(
                  cluster.admin("BankAMSP"),
                  GovernanceDecisions.decisionEnvelope(
                      config(cluster),
                      GovernanceRecords.proposal(state, id).orElseThrow(),
                      GovernanceRecords.ballots(state, id),
                      submitter,
                      Instant.now()));
          assertThat(decided.getStatus()).as(decided.getInfo()).isEqualTo(Status.SUCCESS);
          awaitSequence(cluster, sequence + 1, "peer3");
          assertThat(config(cluster).getMembersList())
              .extracting("mspId")
              .doesNotContain("BankDMSP");
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  /** Records the admin of {@code mspId}'s ballot on a recorded proposal, as BankAMSP submits it. */
  private static void recordVote(
      Cluster cluster,
      SignedGovernanceProposal proposal,
      String mspId,
      Choice choice,
      Instant castAt)
      throws Exception {
    record(
        cluster,
        GovernanceRecords.ballotEnvelope(
            "trade",
            GovernanceEncoding.proposalId(proposal.getProposal()),
            GovernanceDecisions.vote(proposal, admin(cluster, mspId), choice, castAt),
            admin(cluster, "BankAMSP"),
            Instant.now()));
  }

  /** Broadcasts a record and waits until every peer has the block it went into. */
  private static void record(Cluster cluster, Envelope envelope) throws Exception {
    var orderer = cluster.ledger().orderers().get(0).blocks();
    long before = orderer.height();
    BroadcastResponse response = cluster.broadcast(cluster.admin("BankAMSP"), envelope);
    assertThat(response.getStatus()).as(response.getInfo()).isEqualTo(Status.SUCCESS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (orderer.height() <= before) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the record was not ordered:\n" + cluster.dump());
      }
      Thread.sleep(10);
    }
    cluster.awaitHeight(orderer.height(), Duration.ofSeconds(30));
  }

  private static void assertTallies(
      Cluster cluster, String id, ProposalStatus status, int ballots) {
    for (PeerNode peer : cluster.ledger().peers()) {
      assertThat(GovernanceRecords.ballots(peer.ledger().state(), id))
          .as(peer.nodeId())
          .hasSize(ballots);
      assertThat(
              GovernanceRecords.tally(
                      peer.ledger().state(), peer.ledger().rules(), id, Instant.now())
                  .orElseThrow()
                  .status())
          .as(peer.nodeId())
          .isEqualTo(status);
    }
  }

  /** Proposes {@code action} as BankAMSP's admin, has the voters approve it, and awaits it. */
  private static void decide(Cluster cluster, GovernanceProposal.Builder action, String... voters)
      throws Exception {
    cluster.decide(action, voters);
  }

  @Test
  void an_approved_new_member_can_transact_at_once() throws Exception {
    Cluster.run(
        directory,
        fourBanks(),
        cluster -> {
          decide(
              cluster,
              GovernanceProposal.newBuilder()
                  .setAddMember(
                      GovernanceProposal.AddMember.newBuilder()
                          .setOrganization("Bank E")
                          .setMspId("BankEMSP")
                          .addRoles("admin")
                          .setNodeQuota(1)),
              "BankAMSP",
              "BankBMSP",
              "BankCMSP");

          Contract tokenOfE = cluster.token(cluster.admin("BankEMSP"));
          tokenOfE.submitTransaction("issue", "BankEMSP", "3");

          assertThat(
                  new String(
                      tokenOfE.evaluateTransaction("balance", "BankEMSP"), StandardCharsets.UTF_8))
              .isEqualTo("3");
          for (PeerNode peer : cluster.ledger().peers()) {
            assertThat(peer.ledger().rules().isMember("BankEMSP")).isTrue();
          }
          // Fabric's tools read the new organisation, its MSP, from the channel config; the Raft
          // consenters and Fabric's policies are there as well.
          FabricBlocks.Channel fabric = FabricBlocks.lastConfig(cluster.ledger().peer("peer0"));
          assertThat(fabric.organizations())
              .containsOnlyKeys("BankAMSP", "BankBMSP", "BankCMSP", "BankDMSP", "BankEMSP");
          FabricMSPConfig bankE = fabric.organizations().get("BankEMSP");
          assertThat(bankE.getName()).isEqualTo("BankEMSP");
          assertThat(bankE.getRootCertsList())
              .containsExactlyElementsOf(
                  config(cluster).getMembersList().stream()
                      .filter(member -> member.getMspId().equals("BankEMSP"))
                      .findFirst()
                      .orElseThrow()
                      .getRootCertificatesList());
          assertThat(bankE.getFabricNodeOus().getEnable()).isTrue();
          assertThat(fabric.applicationVersion()).isEqualTo(1);
          assertThat(fabric.consenters())
              .extracting(consenter -> consenter.getHost() + ":" + consenter.getPort())
              .containsExactlyInAnyOrderElementsOf(
                  config(cluster).getOrderersList().stream()
                      .map(orderer -> orderer.getHost() + ":" + orderer.getPort())
                      .toList());
          assertThat(fabric.applicationPolicies())
              .containsKeys("Readers", "Writers", "Admins", "Endorsement");
          assertThat(fabric.applicationPolicies().get("Admins").getType())
              .isEqualTo(Policy.PolicyType.IMPLICIT_META_VALUE);
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  @Test
  void an_upgrade_pins_a_new_code_hash_and_the_old_code_no_longer_runs() throws Exception {
    Cluster.run(
        directory,
        fourBanks(),
        cluster -> {
          Contract notary =
              cluster
                  .gateway(cluster.admin("BankAMSP"), "peer0")
                  .getNetwork("trade")
                  .getContract("notary");
          notary.submitTransaction("anchor", "b".repeat(64), "{}");
          byte[] unknownCode = new byte[32];
          Arrays.fill(unknownCode, (byte) 7);

          decide(
              cluster,
              GovernanceProposal.newBuilder()
                  .setUpgradeContract(
                      GovernanceProposal.UpgradeContract.newBuilder()
                          .setContract("notary")
                          .setVersion("2.0")
                          .setCodeHash(ByteString.copyFrom(unknownCode))),
              "BankAMSP",
              "BankBMSP",
              "BankCMSP");

          // The peers do not have code with the new hash: the contract is pinned to code they lack.
          assertThatThrownBy(() -> notary.submitTransaction("anchor", "a".repeat(64), "{}"))
              .isInstanceOfSatisfying(
                  EndorseException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.NOT_FOUND));
          cluster.token(cluster.admin("BankAMSP")).submitTransaction("issue", "BankAMSP", "1");
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  @Test
  void an_approved_close_stops_business_transactions() throws Exception {
    Cluster.run(
        directory,
        fourBanks(),
        cluster -> {
          Contract token = cluster.token(cluster.admin("BankAMSP"));
          token.submitTransaction("issue", "BankAMSP", "1");

          decide(
              cluster,
              GovernanceProposal.newBuilder()
                  .setCloseLedger(
                      GovernanceProposal.CloseLedger.newBuilder()
                          .setSettlementAsset("EUR")
                          .setTerms("net settlement")),
              "BankAMSP",
              "BankBMSP",
              "BankCMSP");

          assertThat(config(cluster).getStatus()).isEqualTo(LedgerStatus.CLOSING);
          assertThatThrownBy(() -> token.submitTransaction("issue", "BankAMSP", "1"))
              .isInstanceOfSatisfying(
                  EndorseException.class,
                  e -> assertThat(e.getStatus().getCode()).isEqualTo(Code.FAILED_PRECONDITION));
          cluster.assertBlocksDecodeAsFabric();
        });
  }

  /**
   * A stopped peer's blocks replay to the same decision with its ballots; the same history with the
   * decision's block forged (its content changed, hashes recomputed) fails loudly.
   */
  private void assertHistoryShowsTheDecision(Cluster cluster, SignedGovernanceProposal proposal)
      throws Exception {
    cluster.awaitHeight(cluster.ledger().peer("peer0").ledger().height(), Duration.ofSeconds(30));
    Path genesis = directory.resolve("trade.genesis");
    Files.write(genesis, cluster.ledger().genesis().toByteArray());
    cluster.ledger().stopPeer("peer1");
    Path data = cluster.ledger().dataDirectory("peer1");
    String id = GovernanceEncoding.proposalId(proposal.getProposal());

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit =
        NodeCommand.execute(
            new PrintWriter(out, true),
            new PrintWriter(err, true),
            "history",
            "--genesis",
            genesis.toString(),
            "--data-dir",
            data.toString());

    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("by member decision " + id)
        .contains("proposed by BankAMSP")
        .contains("RemoveMember[mspId=BankDMSP]")
        .contains("ballot BankAMSP YES")
        .contains("ballot BankBMSP YES")
        .contains("ballot BankCMSP YES")
        .contains("verified:");

    Path forged = directory.resolve("forged");
    try (BlockStore original = BlockStore.open(data.resolve("blocks"));
        BlockStore copy = BlockStore.open(forged.resolve("blocks"))) {
      for (long number = 0; number < original.height(); number++) {
        Block block = original.get(number).orElseThrow();
        boolean decisionBlock =
            number > 0
                && block.getData().getDataCount() == 1
                && LedgerConfigs.isConfig(block.getData().getData(0));
        if (decisionBlock) {
          Envelope envelope = Envelope.parseFrom(block.getData().getData(0));
          Envelope altered =
              envelope.toBuilder()
                  .setSignature(envelope.getSignature().concat(ByteString.copyFromUtf8("x")))
                  .build();
          block =
              Blocks.next(copy.last().orElseThrow(), List.of(altered.toByteString())).toBuilder()
                  .setMetadata(block.getMetadata())
                  .build();
          copy.append(block);
          break;
        }
        copy.append(block);
      }
    }
    StringWriter forgedErr = new StringWriter();
    int forgedExit =
        NodeCommand.execute(
            new PrintWriter(new StringWriter(), true),
            new PrintWriter(forgedErr, true),
            "history",
            "--genesis",
            genesis.toString(),
            "--data-dir",
            forged.toString());
    assertThat(forgedExit).isEqualTo(1);
    assertThat(forgedErr.toString())
        .contains("history does NOT verify")
        .contains("carries no valid signature of an orderer");
  }

  private static void assertRefused(BroadcastResponse response, String reason) {
    assertThat(response.getStatus()).as(response.getInfo()).isEqualTo(Status.BAD_REQUEST);
    assertThat(response.getInfo()).contains(reason);
  }
}
