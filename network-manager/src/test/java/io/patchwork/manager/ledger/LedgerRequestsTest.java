package io.patchwork.manager.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.patchwork.governance.VotingPolicy;
import io.patchwork.manager.error.Refusal;
import io.patchwork.node.api.MemberMessages;
import io.patchwork.node.config.proto.GovernancePolicy;
import io.patchwork.node.config.proto.LedgerConfig;
import io.patchwork.templates.LedgerTemplate;
import io.patchwork.templates.Templates;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every built-in template's voting rule is the one its ledgers' genesis configs carry. */
class LedgerRequestsTest {
  @Test
  void each_built_in_templates_voting_rule_goes_into_the_genesis_config_as_version_one()
      throws Exception {
    for (String name : Templates.BUILT_IN) {
      LedgerTemplate.Voting voting = Templates.builtIn(name).voting();
      LedgerConfig genesis =
          LedgerConfig.newBuilder()
              .setGovernance(GovernancePolicy.newBuilder().setVoting(LedgerRequests.voting(voting)))
              .build();
      VotingPolicy policy = MemberMessages.votingPolicy(genesis);
      assertThat(policy.thresholdPercent()).as(name).isEqualTo(voting.thresholdPercent());
      assertThat(policy.comparator().name()).as(name).isEqualTo(voting.comparator().name());
      assertThat(policy.quorumPercent()).as(name).isEqualTo(voting.quorumPercent());
      assertThat(policy.duration()).as(name).isEqualTo(voting.duration());
      assertThat(policy.version()).as(name).isEqualTo(1);
    }
  }

  @Test
  void an_organisation_name_no_certificate_could_carry_is_refused_before_anything_is_made() {
    LedgerService.Request request =
        new LedgerService.Request(
            "trade",
            "payments-netting",
            List.of(
                new LedgerRecord.Party("B".repeat(65), "BankAMSP"),
                new LedgerRecord.Party("Bank\u0007B", "BankBMSP")),
            Map.of(),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            List.of());

    assertThatThrownBy(() -> LedgerRequests.check(request))
        .isInstanceOfSatisfying(
            Refusal.class,
            refused -> {
              assertThat(refused.code()).isEqualTo("INVALID_PARTIES");
              assertThat(refused.problems())
                  .extracting(Refusal.FieldProblem::path)
                  .containsExactly("parties[0].organization", "parties[1].organization");
            });
  }

  @Test
  void two_of_three_decide_where_the_template_asks_a_majority_but_not_under_a_75_percent_quorum()
      throws Exception {
    for (String name : Templates.BUILT_IN) {
      VotingPolicy policy =
          MemberMessages.votingPolicy(
              LedgerConfig.newBuilder()
                  .setGovernance(
                      GovernancePolicy.newBuilder()
                          .setVoting(LedgerRequests.voting(Templates.builtIn(name).voting())))
                  .build());
      boolean twoOfThree = policy.thresholdMet(2, 3) && policy.quorumMet(2, 3);
      assertThat(twoOfThree).as(name).isEqualTo(!name.equals("healthcare-records"));
      assertThat(policy.thresholdMet(3, 3) && policy.quorumMet(3, 3)).as(name).isTrue();
      assertThat(policy.thresholdMet(1, 3)).as(name).isFalse();
    }
  }
}
