package io.patchwork.templates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TemplatesTest {
  private static final String VALID =
      """
      name: trade
      parties: {min: 2, max: 10}
      topology: {orderers: 3, peersPerOrganization: 1}
      endorsement: {rule: AT_LEAST, count: 2}
      voting: {thresholdPercent: 50, comparator: GREATER_THAN, duration: PT24H}
      blockCutting: {maxTransactions: 100, maxBytes: 1048576, timeout: PT0.1S}
      contracts: [ledger-token]
      lifespan: P30D
      settlementAsset: EUR
      overridable: [lifespan]
      """;

  @ParameterizedTest
  @ValueSource(strings = {"payments-netting", "supply-chain", "healthcare-records"})
  void every_built_in_template_loads_and_fits_twenty_parties(String name) throws Exception {
    LedgerTemplate template = Templates.builtIn(name);

    assertThat(template.name()).isEqualTo(name);
    Templates.checkParties(template, 20);
    assertThat(template.nodes(20)).isLessThanOrEqualTo(Templates.MAX_NODES);
  }

  @Test
  void an_unknown_template_names_the_built_ins() {
    assertThatThrownBy(() -> Templates.builtIn("casino"))
        .isInstanceOf(TemplateException.class)
        .hasMessageContaining("no template 'casino'")
        .hasMessageContaining("payments-netting");
  }

  @Test
  void every_problem_is_reported_with_its_field_path() {
    String broken =
        VALID
                .replace("orderers: 3", "orderers: 4")
                .replace("rule: AT_LEAST, count: 2", "rule: SOME")
                .replace("lifespan: P30D", "lifespan: thirty days")
                .replace("contracts: [ledger-token]", "contracts: [ledger-token, casino]")
            + "colour: blue\n";

    assertThatThrownBy(() -> Templates.parse(broken))
        .isInstanceOfSatisfying(
            TemplateException.class,
            e ->
                assertThat(e.errors())
                    .extracting(TemplateError::path)
                    .contains(
                        "topology.orderers",
                        "endorsement.rule",
                        "lifespan",
                        "contracts[1]",
                        "colour"));
  }

  @Test
  void text_that_is_not_yaml_is_refused_with_its_position() {
    assertThatThrownBy(() -> Templates.parse("name: [unclosed"))
        .isInstanceOf(TemplateException.class)
        .hasMessageContaining("not valid YAML at line");
  }

  @Test
  void allowed_overrides_apply_and_others_are_refused_with_their_path() throws Exception {
    LedgerTemplate template = Templates.parse(VALID);

    assertThat(Templates.withOverrides(template, Map.of("lifespan", "P7D")).lifespan())
        .isEqualTo(Duration.ofDays(7));
    assertThatThrownBy(() -> Templates.withOverrides(template, Map.of("topology.orderers", "5")))
        .isInstanceOfSatisfying(
            TemplateException.class,
            e -> assertThat(e.errors().get(0).path()).isEqualTo("overrides.topology.orderers"));
    assertThatThrownBy(() -> Templates.withOverrides(template, Map.of("lifespan", "soon")))
        .isInstanceOfSatisfying(
            TemplateException.class,
            e -> assertThat(e.errors().get(0).path()).isEqualTo("overrides.lifespan"));
  }

  @Test
  void too_few_or_too_many_parties_and_too_many_nodes_are_refused() throws Exception {
    LedgerTemplate netting = Templates.builtIn("payments-netting");

    assertThatThrownBy(() -> Templates.checkParties(netting, 1))
        .hasMessageContaining("takes 2 to 100 parties, not 1");
    assertThatThrownBy(() -> Templates.checkParties(netting, 101)).hasMessageContaining("not 101");
    LedgerTemplate twoPeers =
        Templates.withOverrides(netting, Map.of("topology.peersPerOrganization", "2"));
    assertThatThrownBy(() -> Templates.checkParties(twoPeers, 50))
        .hasMessageContaining("103 nodes; a ledger has at most 100");
  }
}
