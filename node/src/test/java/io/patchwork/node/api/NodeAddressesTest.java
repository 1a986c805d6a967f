package io.patchwork.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

class NodeAddressesTest {
  @Test
  void the_local_default_is_loopback_and_certifies_localhost_too() throws Exception {
    NodeAddresses local = NodeAddresses.loopback();

    assertThat(local.bind()).isEqualTo("127.0.0.1");
    assertThat(local.isLoopback()).isTrue();
    assertThat(NodeAddresses.certifiedNames(local.advertised())).containsExactly("localhost");
    assertThat(NodeAddresses.certifiedIps(local.advertised()))
        .containsExactly(InetAddress.getByName("127.0.0.1"));
  }

  @Test
  void a_name_is_certified_as_a_dns_name_and_an_ip_as_an_ip_address() throws Exception {
    assertThat(NodeAddresses.certifiedNames("peer.bank-a.example"))
        .containsExactly("peer.bank-a.example");
    assertThat(NodeAddresses.certifiedIps("peer.bank-a.example")).isEmpty();
    assertThat(NodeAddresses.certifiedNames("10.1.2.3")).isEmpty();
    assertThat(NodeAddresses.certifiedIps("10.1.2.3"))
        .containsExactly(InetAddress.getByName("10.1.2.3"));
  }

  @Test
  void every_interface_may_be_bound_but_not_advertised() {
    assertThat(new NodeAddresses("0.0.0.0", "peer.bank-a.example").isLoopback()).isFalse();

    assertThatThrownBy(() -> NodeAddresses.at("0.0.0.0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nodes cannot be reached at 0.0.0.0");
  }

  @Test
  void malformed_addresses_are_refused_with_what_is_wrong() {
    assertThatThrownBy(() -> new NodeAddresses("peer.example", "peer.example"))
        .hasMessageContaining("the bind address 'peer.example' is not an IP address");
    assertThatThrownBy(() -> new NodeAddresses("127.0.0.1", "not a host!"))
        .hasMessageContaining("neither an IP address nor a host name");
  }
}
