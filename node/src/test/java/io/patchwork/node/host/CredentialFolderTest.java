package io.patchwork.node.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.patchwork.node.config.proto.Peer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialFolderTest {
  @TempDir Path directory;

  private static Peer peer(String nodeId, String mspId, String host, int port) {
    return Peer.newBuilder().setNodeId(nodeId).setMspId(mspId).setHost(host).setPort(port).build();
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
