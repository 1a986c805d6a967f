package io.patchwork.node.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.patchwork.ca.AuthoritySpec;
import io.patchwork.ca.CertificateAuthorities;
import io.patchwork.ca.CertificateAuthority;
import io.patchwork.ca.CertificateRequest;
import io.patchwork.ca.EmbeddedDatabase;
import io.patchwork.ca.IssuedCredential;
import io.patchwork.ca.KeySeal;
import io.patchwork.ca.Passphrase;
import io.patchwork.ca.Role;
import io.patchwork.node.config.proto.Peer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialFolderTest {
  @TempDir Path directory;

  private static Peer peer(String nodeId, String mspId, String host, int port) {
    return Peer.newBuilder().setNodeId(nodeId).setMspId(mspId).setHost(host).setPort(port).build();
  }

  @Test
  void keys_written_with_the_passphrase_are_sealed_and_open_only_with_it() throws Exception {
    try (EmbeddedDatabase database = EmbeddedDatabase.open(directory.resolve("db"))) {
      CertificateAuthority authority =
          CertificateAuthorities.builder()
              .dataSource(database.dataSource())
              .keyDirectory(directory.resolve("keys"))
              .passphrase(Passphrase.of("credential folder tests".toCharArray()))
              .build()
              .createRoot(AuthoritySpec.of("trade", "Operator"));
      IssuedCredential signing =
          authority.issueWithNewKey(CertificateRequest.signing("peer0", Role.PEER, "A", "AMSP"));
      IssuedCredential tls =
          authority.issueWithNewKey(
              CertificateRequest.tls(
                  "peer0", Role.PEER, "A", "AMSP", List.of("localhost"), List.of()));
      NodeFiles.Credentials credentials =
          new NodeFiles.Credentials(
              signing.certificate().certificate(),
              signing.privateKey(),
              List.of(tls.certificate().certificate()),
              tls.privateKey());
      Path sealed = directory.resolve("sealed");
      Files.createDirectories(sealed);
      Optional<KeySeal> seal =
          Optional.of(KeySeal.open(sealed, Passphrase.of("manager passphrase".toCharArray())));
      NodeFiles.write(sealed.resolve("peer0"), authority.chain(), credentials, seal);

      for (Path key :
          List.of(
              sealed.resolve("peer0/msp").resolve(NodeFiles.SIGNING_KEY),
              sealed.resolve("peer0/tls").resolve(NodeFiles.TLS_KEY))) {
        assertThat(Files.readString(key)).doesNotContain("-----BEGIN PRIVATE KEY-----");
        assertThat(Files.getPosixFilePermissions(key))
            .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      }
      NodeFiles.Credentials read = NodeFiles.read(sealed.resolve("peer0"), seal);
      assertThat(read.signingKey().getEncoded()).isEqualTo(signing.privateKey().getEncoded());
      assertThat(read.tlsKey().getEncoded()).isEqualTo(tls.privateKey().getEncoded());
      assertThatThrownBy(() -> NodeFiles.read(sealed.resolve("peer0"), Optional.empty()))
          .isInstanceOf(GeneralSecurityException.class)
          .hasMessageContaining("sealed with the network manager's key store passphrase");
      Optional<KeySeal> other =
          Optional.of(KeySeal.open(sealed, Passphrase.of("another passphrase".toCharArray())));
      assertThatThrownBy(() -> NodeFiles.read(sealed.resolve("peer0"), other))
          .isInstanceOf(GeneralSecurityException.class)
          .hasMessageContaining("does not open");

      // A folder written in the clear (before keys were sealed) still reads with a seal.
      Path clear = directory.resolve("clear");
      NodeFiles.write(clear.resolve("peer0"), authority.chain(), credentials);
      assertThat(NodeFiles.read(clear.resolve("peer0"), seal).tlsKey().getEncoded())
          .isEqualTo(tls.privateKey().getEncoded());
    }
  }

  @Test
  void member_peers_are_kept_in_a_versioned_manifest_and_read_back() throws IOException {
    CredentialFolder folder = new CredentialFolder(directory);
    List<Peer> peers =
        List.of(peer("peer7", "BankAMSP", "10.0.0.7", 7051), peer("peer8", "BankBMSP", "h", 7052));

    folder.writeMemberPeers(peers);

    assertThat(Files.readString(directory.resolve(CredentialFolder.MANIFEST)))
        .contains("\"format\" : 1");
    assertThat(new CredentialFolder(directory).memberPeers("unused")).isEqualTo(peers);
  }

  @Test
  void moved_genesis_peers_are_kept_beside_member_peers_and_survive_a_member_peer_change()
      throws IOException {
    CredentialFolder folder = new CredentialFolder(directory);
    assertThat(folder.movedPeers()).isEmpty();
    List<Peer> moved = List.of(peer("peer0", "BankAMSP", "10.0.0.9", 24003));
    List<Peer> members = List.of(peer("peer7", "BankBMSP", "10.0.0.9", 24004));

    folder.writePeers(members, moved);
    assertThat(new CredentialFolder(directory).movedPeers()).isEqualTo(moved);
    assertThat(new CredentialFolder(directory).memberPeers("unused")).isEqualTo(members);

    // Adding a member peer later keeps the moved ones.
    List<Peer> more = List.of(members.get(0), peer("peer8", "BankCMSP", "10.0.0.9", 24005));
    folder.writeMemberPeers(more);
    assertThat(new CredentialFolder(directory).movedPeers()).isEqualTo(moved);
    assertThat(new CredentialFolder(directory).memberPeers("unused")).isEqualTo(more);
  }

  @Test
  void a_folder_written_before_the_manifest_is_read_and_rewritten_as_format_1() throws IOException {
    Files.writeString(
        directory.resolve(CredentialFolder.LEGACY_MEMBER_PEERS),
        "peer7 BankAMSP 20101\n\npeer8 BankBMSP 20102\n",
        StandardCharsets.US_ASCII);

    List<Peer> peers = new CredentialFolder(directory).memberPeers("127.0.0.1");

    assertThat(peers)
        .containsExactly(
            peer("peer7", "BankAMSP", "127.0.0.1", 20101),
            peer("peer8", "BankBMSP", "127.0.0.1", 20102));
    assertThat(directory.resolve(CredentialFolder.LEGACY_MEMBER_PEERS)).doesNotExist();
    assertThat(new CredentialFolder(directory).memberPeers("elsewhere")).isEqualTo(peers);
  }

  @Test
  void a_manifest_of_another_format_is_refused_with_its_number() throws IOException {
    Files.writeString(
        directory.resolve(CredentialFolder.MANIFEST), "{\"format\": 2, \"memberPeers\": []}");

    assertThatThrownBy(() -> new CredentialFolder(directory).memberPeers("h"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("format 2");
  }

  @Test
  void a_damaged_legacy_line_is_refused_and_the_file_kept() throws IOException {
    Path legacy = directory.resolve(CredentialFolder.LEGACY_MEMBER_PEERS);
    Files.writeString(legacy, "peer7 BankAMSP seven\n", StandardCharsets.US_ASCII);

    assertThatThrownBy(() -> new CredentialFolder(directory).memberPeers("h"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("is not 'nodeId mspId port'");
    assertThat(legacy).exists();
    assertThat(directory.resolve(CredentialFolder.MANIFEST)).doesNotExist();
  }

  @Test
  void a_member_peer_without_its_address_is_refused() throws IOException {
    Files.writeString(
        directory.resolve(CredentialFolder.MANIFEST),
        "{\"format\": 1, \"memberPeers\": [{\"nodeId\": \"peer7\", \"mspId\": \"BankAMSP\"}]}");

    assertThatThrownBy(() -> new CredentialFolder(directory).memberPeers("h"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("needs nodeId, mspId, host and port");
  }
}
