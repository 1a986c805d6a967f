package io.patchwork.node.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NodePortsTest {
  @Test
  void a_range_is_read_from_first_and_last() {
    NodePorts ports = NodePorts.parse(" 7100-7199 ");

    assertThat(ports).isEqualTo(new NodePorts(7100, 7199));
    assertThat(ports.size()).isEqualTo(100);
    assertThat(ports.contains(7100)).isTrue();
    assertThat(ports.contains(7199)).isTrue();
    assertThat(ports.contains(7200)).isFalse();
    assertThat(ports).hasToString("7100-7199");
  }

  @Test
  void malformed_empty_small_or_privileged_ranges_are_refused_with_what_is_wrong() {
    assertThatThrownBy(() -> NodePorts.parse("7100"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a range FIRST-LAST");
    assertThatThrownBy(() -> NodePorts.parse("7100-x"))
        .hasMessageContaining("not a range FIRST-LAST");
    assertThatThrownBy(() -> NodePorts.parse("7199-7100")).hasMessageContaining("fewer than 3");
    assertThatThrownBy(() -> NodePorts.parse("7100-7101")).hasMessageContaining("fewer than 3");
    assertThatThrownBy(() -> NodePorts.parse("80-90")).hasMessageContaining("outside 1024-65535");
    assertThatThrownBy(() -> NodePorts.parse("65000-70000"))
        .hasMessageContaining("outside 1024-65535");
  }

  @Test
  void addresses_keep_their_range_when_advertised_elsewhere() {
    NodeAddresses addresses = new NodeAddresses("0.0.0.0", "a.example", new NodePorts(7100, 7109));

    assertThat(addresses.advertisedAt("b.example"))
        .isEqualTo(new NodeAddresses("0.0.0.0", "b.example", new NodePorts(7100, 7109)));
    assertThat(NodeAddresses.loopback().ports()).isEqualTo(NodePorts.DEFAULT);
  }
}
