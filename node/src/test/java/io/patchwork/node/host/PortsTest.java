package io.patchwork.node.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.patchwork.node.api.NodeAddresses;
import io.patchwork.node.api.NodePorts;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortsTest {
  @Test
  void ports_come_from_the_range_and_a_range_all_taken_fails_with_what_to_widen() throws Exception {
    List<ServerSocket> taken = new ArrayList<>();
    try {
      // Three consecutive ports this test holds, so that nothing else can hand them out.
      ServerSocket first = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      taken.add(first);
      int start = first.getLocalPort();
      NodePorts range = new NodePorts(start, start + 2);
      NodeAddresses addresses = new NodeAddresses("127.0.0.1", "127.0.0.1", range);
      for (int port = start + 1; port <= start + 2; port++) {
        try {
          taken.add(new ServerSocket(port, 1, InetAddress.getLoopbackAddress()));
        } catch (java.io.IOException inUse) {
          // taken by something else already: just as good
        }
      }

      assertThatThrownBy(() -> Ports.free(addresses))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("no free port on 127.0.0.1 in the node port range " + range)
          .hasMessageContaining("widen PATCHWORK_NODE_PORTS");

      taken.remove(0).close();
      assertThat(Ports.free(addresses)).isEqualTo(start);
    } finally {
      for (ServerSocket socket : taken) {
        socket.close();
      }
    }
  }
}
