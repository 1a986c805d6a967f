package io.patchwork.node.order;

import io.patchwork.node.crypto.NodeSigner;
import io.patchwork.node.crypto.SignatureVerifier;
import io.patchwork.node.net.NodeTransport;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.hyperledger.fabric.protos.common.Block;

/**
 * What an orderer needs to start: its ledger and place in the Raft group (its Raft server listens
 * on {@code bindHost}; the others reach it at its spec's host), where it keeps its Raft log and
 * blocks, the genesis block, block cutting, its signing key, its admission check, the largest
 * envelope it takes, its TLS identity for Raft traffic, and the signature verifier it checks config
 * transactions with. A joining orderer — one the members voted in after genesis — starts its Raft
 * server outside the group; the leader adds it and replicates the log to it from the start.
 */
public record OrdererConfig(
    String ledgerId,
    OrdererSpec self,
    String bindHost,
    List<OrdererSpec> group,
    Path dataDirectory,
    Block genesis,
    BlockCutting cutting,
    NodeSigner signer,
    EnvelopeCheck check,
    int maxEnvelopeBytes,
    NodeTransport.TlsIdentity tls,
    SignatureVerifier verifier,
    boolean joining) {
  public OrdererConfig {
    Objects.requireNonNull(ledgerId, "ledgerId");
    Objects.requireNonNull(self, "self");
    Objects.requireNonNull(bindHost, "bindHost");
    group = List.copyOf(group);
    Objects.requireNonNull(dataDirectory, "dataDirectory");
    Objects.requireNonNull(genesis, "genesis");
    Objects.requireNonNull(cutting, "cutting");
    Objects.requireNonNull(signer, "signer");
    Objects.requireNonNull(check, "check");
    Objects.requireNonNull(tls, "tls");
    Objects.requireNonNull(verifier, "verifier");
    if (group.stream().noneMatch(o -> o.nodeId().equals(self.nodeId()))) {
      throw new IllegalArgumentException("orderer " + self.nodeId() + " is not in its own group");
    }
    if (maxEnvelopeBytes < 1) {
      throw new IllegalArgumentException("the envelope size limit is positive");
    }
  }
}
