package io.patchwork.node.tx;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Role;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.identity.IdentityCheck;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.hyperledger.fabric.client.Gateway;
import org.hyperledger.fabric.client.Proposal;
import org.hyperledger.fabric.client.identity.Signers;
import org.hyperledger.fabric.client.identity.X509Identity;
import org.hyperledger.fabric.protos.common.ChannelHeader;
import org.hyperledger.fabric.protos.common.Header;
import org.hyperledger.fabric.protos.gateway.ProposedTransaction;
import org.hyperledger.fabric.protos.peer.SignedProposal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Proposals made by the official Fabric Gateway client, read as a Patchwork peer reads them. */
class ProposalReaderTest {
  @TempDir Path directory;
  private EmbeddedDatabase database;
  private CertificateAuthority ca;
  private IssuedCredential alice;

  @BeforeEach
  void createLedgerAuthorityAndMember() throws Exception {
    database = EmbeddedDatabase.open(directory.resolve("db"));
    ca =
        CertificateAuthorities.builder()
            .dataSource(database.dataSource())
            .keyDirectory(directory.resolve("keys"))
            .passphrase(Passphrase.of("proposal reader tests".toCharArray()))
            .build()
            .createRoot(AuthoritySpec.of("trade", "Operator"));
    alice =
        ca.issueWithNewKey(CertificateRequest.signing("alice", Role.CLIENT, "Bank A", "BankAMSP"));
  }

  @AfterEach
  void closeDatabase() {
    database.close();
  }

  @Test
  void a_proposal_from_the_fabric_gateway_client_is_read_checked_and_verified() throws Exception {
    SignedProposal signed = proposalFromTheOfficialClient(alice);

    ProposalReader.Outcome outcome = ProposalReader.read(signed);

    assertThat(outcome.problem()).isEmpty();
    ProposalReader.ReadProposal read = outcome.proposal().orElseThrow();
    assertThat(read.channelId()).isEqualTo("trade");
    IdentityCheck.Outcome creator =
        new IdentityCheck(List.of(ca.certificate()), List.of(), List.of(ca.crl()))
            .check(read.creator(), Instant.now().plusSeconds(1));
    assertThat(creator.identity())
        .hasValueSatisfying(i -> assertThat(i.mspId()).isEqualTo("BankAMSP"));
    assertThat(
            new SignatureVerifier(10)
                .verify(
                    creator.identity().get().certificate().getPublicKey(),
                    read.signedBytes().toByteArray(),
                    read.signature().toByteArray()))
        .isTrue();
  }

  @Test
  void a_proposal_whose_transaction_id_was_chosen_is_refused() throws Exception {
    SignedProposal signed = proposalFromTheOfficialClient(alice);
    var proposal = org.hyperledger.fabric.protos.peer.Proposal.parseFrom(signed.getProposalBytes());
    var header = Header.parseFrom(proposal.getHeader());
    var channel =
        ChannelHeader.parseFrom(header.getChannelHeader()).toBuilder()
            .setTxId("0".repeat(64))
            .build();
    SignedProposal forged =
        signed.toBuilder()
            .setProposalBytes(
                proposal.toBuilder()
                    .setHeader(
                        header.toBuilder()
                            .setChannelHeader(channel.toByteString())
                            .build()
                            .toByteString())
                    .build()
                    .toByteString())
            .build();

    assertThat(ProposalReader.read(forged).problem())
        .contains(ProposalReader.Problem.WRONG_TRANSACTION_ID);
    assertThat(
            ProposalReader.read(
                    SignedProposal.newBuilder()
                        .setProposalBytes(ByteString.copyFromUtf8("x"))
                        .build())
                .problem())
        .contains(ProposalReader.Problem.MALFORMED);
  }

  private static SignedProposal proposalFromTheOfficialClient(IssuedCredential member)
      throws Exception {
    // The channel is never used: building and signing a proposal needs no connection. The client
    // signs when it endorses; offline signing (digest, then newSignedProposal) gives the same
    // bytes.
    ManagedChannel channel =
        Grpc.newChannelBuilder("127.0.0.1:1", InsecureChannelCredentials.create()).build();
    try (Gateway gateway =
        Gateway.newInstance()
            .identity(new X509Identity("BankAMSP", member.certificate().certificate()))
            .signer(Signers.newPrivateKeySigner(member.privateKey()))
            .connection(channel)
            .connect()) {
      Proposal proposal =
          gateway
              .getNetwork("trade")
              .getContract("obligations")
              .newProposal("record")
              .addArguments("BankBMSP", "100")
              .build();
      byte[] signature =
          Signers.newPrivateKeySigner(member.privateKey()).sign(proposal.getDigest());
      Proposal signedProposal = gateway.newSignedProposal(proposal.getBytes(), signature);
      SignedProposal signed =
          ProposedTransaction.parseFrom(signedProposal.getBytes()).getProposal();
      assertThat(
              ProposalReader.read(signed)
                  .proposal()
                  .map(ProposalReader.ReadProposal::transactionId))
          .contains(proposal.getTransactionId());
      return signed;
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
