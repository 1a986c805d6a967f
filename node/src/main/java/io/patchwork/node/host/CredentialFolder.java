package io.patchwork.node.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import io.patchwork.ca.CaException;
import io.patchwork.ca.KeySeal;
import io.patchwork.ca.Passphrase;
import io.patchwork.node.config.proto.Peer;
import io.patchwork.node.store.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.hyperledger.fabric.protos.common.Block;

/**
 * Where an embedded ledger keeps what it needs to start again after its process stopped: its
 * genesis block, every node's credentials, and the peers members added after genesis. One writer at
 * a time (the ledger's lifecycle calls); every file is replaced atomically.
 *
 * <p>Layout, format 1:
 *
 * <pre>
 * ledger.json       {"format": 1, "memberPeers": [{"nodeId", "mspId", "host", "port"}, ...],
 *                    "movedPeers": [...]}
 * genesis.block     the ledger's genesis block (a Fabric common.Block)
 * &lt;nodeId&gt;/         one {@link NodeFiles} folder per node: msp/ and tls/, keys owner-only
 * </pre>
 *
 * <p>{@code movedPeers} (absent: none) are genesis peers that run at another address than the
 * genesis config's since another host took the ledger over ({@link EmbeddedLedgers#takeOver}).
 *
 * <p>A folder written before format 1 has a text file {@code member-peers} ("nodeId mspId port" a
 * line, host that of the first genesis peer) instead of {@code ledger.json}; it is read and
 * rewritten as format 1 on first open.
 */
final class CredentialFolder {
  static final int FORMAT = 1;
  static final String MANIFEST = "ledger.json";
  private static final String NEW = ".new";
  private static final String OLD = ".old";
  static final String LEGACY_MEMBER_PEERS = "member-peers";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path directory;
  private final Optional<KeySeal> seal;

  CredentialFolder(Path directory) {
    this(directory, Optional.empty());
  }

  private CredentialFolder(Path directory, Optional<KeySeal> seal) {
    this.directory = directory;
    this.seal = seal;
  }

  /**
   * A kept folder; with a passphrase, the nodes' keys it writes are sealed with it ({@link
   * KeySeal}, its salt kept in the folder) and sealed ones it reads are opened with it.
   */
  static CredentialFolder open(Path directory, Optional<Passphrase> passphrase) throws IOException {
    return new CredentialFolder(directory, seal(directory, passphrase));
  }

  private static Optional<KeySeal> seal(Path directory, Optional<Passphrase> passphrase)
      throws IOException {
    if (passphrase.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(KeySeal.open(directory, passphrase.get()));
    } catch (CaException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  Path directory() {
    return directory;
  }

  /** Writes a new folder: the genesis block, every node's credentials, no member peers yet. */
  static CredentialFolder create(
      Path directory,
      Block genesis,
      Collection<NodeCredentials> nodes,
      List<X509Certificate> authorityChain,
      Optional<Passphrase> passphrase)
      throws IOException {
    if (Files.exists(directory)) {
      throw new IOException(directory + " exists: a ledger's credential folder is made once");
    }
    Files.createDirectories(directory);
    CredentialFolder folder = open(directory, passphrase);
    for (NodeCredentials node : nodes) {
      NodeFiles.write(directory.resolve(node.nodeId()), authorityChain, node.files(), folder.seal);
    }
    Files.write(directory.resolve(NodeFiles.GENESIS), genesis.toByteArray());
    folder.writeMemberPeers(List.of());
    return folder;
  }

  Block genesis() throws IOException {
    Path file = directory.resolve(NodeFiles.GENESIS);
    try {
      return Block.parseFrom(Files.readAllBytes(file));
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(file + " is not a genesis block", e);
    }
  }

  /** A node's kept credentials. */
  NodeFiles.Credentials node(String nodeId) throws IOException {
    recover(nodeId);
    try {
      return NodeFiles.read(directory.resolve(nodeId), seal);
    } catch (GeneralSecurityException e) {
      throw new IOException(
          "the credentials of node " + nodeId + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** Replaces one node's credentials (new certificates), atomically. */
  void replace(NodeCredentials node, List<X509Certificate> authorityChain) throws IOException {
    recover(node.nodeId());
    Path folder = directory.resolve(node.nodeId());
    Path fresh = directory.resolve(node.nodeId() + NEW);
    Path old = directory.resolve(node.nodeId() + OLD);
    FileTrees.delete(fresh);
    NodeFiles.write(fresh, authorityChain, node.files(), seal);
    // Never without a complete folder: the old one steps aside, the new one (complete) takes its
    // place, then the old one goes. A crash in between leaves the new one for recover().
    FileTrees.delete(old);
    if (Files.exists(folder)) {
      Files.move(folder, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(fresh, folder, StandardCopyOption.ATOMIC_MOVE);
    FileTrees.delete(old);
  }

  /** Finishes every replacement a crash interrupted (see {@link #recover}); call on opening. */
  void recoverAll() throws IOException {
    List<String> interrupted;
    try (Stream<Path> entries = Files.list(directory)) {
      interrupted =
          entries
              .map(path -> path.getFileName().toString())
              .filter(name -> name.endsWith(NEW) || name.endsWith(OLD))
              .map(name -> name.substring(0, name.length() - 4))
              .distinct()
              .toList();
    }
    for (String nodeId : interrupted) {
      recover(nodeId);
    }
  }

  /**
   * Finishes a replacement a crash interrupted: a node folder missing beside its complete
   * replacement takes the replacement; a leftover of the old one goes.
   */
  private void recover(String nodeId) throws IOException {
    Path folder = directory.resolve(nodeId);
    Path fresh = directory.resolve(nodeId + NEW);
    Path old = directory.resolve(nodeId + OLD);
    if (!Files.exists(folder) && Files.exists(old)) {
      Files.move(Files.exists(fresh) ? fresh : old, folder, StandardCopyOption.ATOMIC_MOVE);
    }
    FileTrees.delete(old);
  }

  /** Whether the folder keeps credentials for {@code nodeId} (not for one voted out). */
  boolean holds(String nodeId) {
    return Files.isDirectory(directory.resolve(nodeId));
  }

  void remove(String nodeId) throws IOException {
    FileTrees.delete(directory.resolve(nodeId));
  }

  /** The peers members added after genesis, in the order they were added. */
  List<Peer> memberPeers(String legacyHost) throws IOException {
    Path manifest = directory.resolve(MANIFEST);
    if (!Files.exists(manifest)) {
      List<Peer> peers = readLegacy(legacyHost);
      writeMemberPeers(peers);
      Files.deleteIfExists(directory.resolve(LEGACY_MEMBER_PEERS));
      return peers;
    }
    return peers(manifest, "memberPeers");
  }

  /** The genesis peers that run at another address than the genesis config's. */
  List<Peer> movedPeers() throws IOException {
    Path manifest = directory.resolve(MANIFEST);
    return Files.exists(manifest) ? peers(manifest, "movedPeers") : List.of();
  }

  private static List<Peer> peers(Path manifest, String field) throws IOException {
    JsonNode root = JSON.readTree(manifest.toFile());
    if (root.path("format").asInt(-1) != FORMAT) {
      throw new IOException(
          manifest
              + " has format "
              + root.path("format")
              + "; this version reads format "
              + FORMAT);
    }
    List<Peer> peers = new ArrayList<>();
    for (JsonNode peer : root.path(field)) {
      if (!peer.path("nodeId").isTextual()
          || !peer.path("mspId").isTextual()
          || !peer.path("host").isTextual()
          || !peer.path("port").canConvertToInt()) {
        throw new IOException(
            manifest + ": each of " + field + " needs nodeId, mspId, host and port");
      }
      peers.add(
          Peer.newBuilder()
              .setNodeId(peer.get("nodeId").asText())
              .setMspId(peer.get("mspId").asText())
              .setHost(peer.get("host").asText())
              .setPort(peer.get("port").asInt())
              .build());
    }
    return peers;
  }

  /** Records the peers members added after genesis, replacing the list atomically. */
  void writeMemberPeers(Collection<Peer> peers) throws IOException {
    writePeers(peers, movedPeers());
  }

  /** Records the member peers and the moved genesis peers, replacing both lists atomically. */
  void writePeers(Collection<Peer> memberPeers, Collection<Peer> movedPeers) throws IOException {
    ObjectNode root = JSON.createObjectNode().put("format", FORMAT);
    list(root.putArray("memberPeers"), memberPeers);
    if (!movedPeers.isEmpty()) {
      list(root.putArray("movedPeers"), movedPeers);
    }
    Path fresh = directory.resolve(MANIFEST + ".new");
    JSON.writerWithDefaultPrettyPrinter().writeValue(fresh.toFile(), root);
    Files.move(
        fresh,
        directory.resolve(MANIFEST),
        StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  private static void list(ArrayNode list, Collection<Peer> peers) {
    for (Peer peer : peers) {
      list.addObject()
          .put("nodeId", peer.getNodeId())
          .put("mspId", peer.getMspId())
          .put("host", peer.getHost())
          .put("port", peer.getPort());
    }
  }

  private List<Peer> readLegacy(String host) throws IOException {
    Path file = directory.resolve(LEGACY_MEMBER_PEERS);
    if (!Files.exists(file)) {
      return List.of();
    }
    List<Peer> peers = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
      if (line.isBlank()) {
        continue;
      }
      String[] fields = line.trim().split(" ");
      if (fields.length != 3 || !fields[2].matches("[0-9]{1,5}")) {
        throw new IOException(file + ": '" + line + "' is not 'nodeId mspId port'");
      }
      peers.add(
          Peer.newBuilder()
              .setNodeId(fields[0])
              .setMspId(fields[1])
              .setHost(host)
              .setPort(Integer.parseInt(fields[2]))
              .build());
    }
    return peers;
  }
}
