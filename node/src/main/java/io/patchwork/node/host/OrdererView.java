package io.patchwork.node.host;

import io.patchwork.node.api.HostedNode;
import io.patchwork.node.api.NodeRole;
import io.patchwork.node.config.proto.Orderer;
import io.patchwork.node.order.OrdererNode;
import java.util.Optional;

/** An orderer of this process, read live. */
record OrdererView(OrdererNode node, Orderer config) implements HostedNode {
  @Override
  public String nodeId() {
    return node.nodeId();
  }

  @Override
  public NodeRole role() {
    return NodeRole.ORDERER;
  }

  @Override
  public String mspId() {
    return config.getMspId();
  }

  @Override
  public String host() {
    return config.getHost();
  }

  @Override
  public int port() {
    return config.getPort();
  }

  @Override
  public long height() {
    return node.blocks().height();
  }

  @Override
  public boolean isLeader() {
    return node.isLeader();
  }

  @Override
  public Optional<Long> term() {
    return Optional.of(node.term());
  }
}
