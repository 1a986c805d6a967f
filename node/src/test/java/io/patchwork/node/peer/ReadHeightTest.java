package io.patchwork.node.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How long an endorser waits for the height a gateway read: the default, a setting, nonsense. */
class ReadHeightTest {
  @AfterEach
  void clear() {
    System.clearProperty("patchwork.endorse.wait");
  }

  @Test
  void the_wait_is_a_second_unless_set_and_a_setting_that_is_no_duration_is_refused() {
    assertThat(ReadHeight.configuredWait()).isEqualTo(Duration.ofSeconds(1));
    System.setProperty("patchwork.endorse.wait", "PT0.25S");
    assertThat(ReadHeight.configuredWait()).isEqualTo(Duration.ofMillis(250));
    System.setProperty("patchwork.endorse.wait", "PT0S");
    assertThat(ReadHeight.configuredWait()).isZero();
    System.setProperty("patchwork.endorse.wait", "soon");
    assertThatThrownBy(ReadHeight::configuredWait)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PATCHWORK_ENDORSE_WAIT is soon, not an ISO-8601 duration");
    System.setProperty("patchwork.endorse.wait", "PT31S");
    assertThatThrownBy(ReadHeight::configuredWait).hasMessageContaining("between PT0S and PT30S");
    System.setProperty("patchwork.endorse.wait", "-PT1S");
    assertThatThrownBy(ReadHeight::configuredWait).hasMessageContaining("between PT0S and PT30S");
  }
}
